using MLNetMarginLoss.Heads;

namespace MLNetMarginLoss.Training;

/// <summary>
/// Checks, before anything large is allocated, that the head, its optimizer state and the batch buffers of a cosine
/// head fit the memory available, and refuses with the figures and the fix when they do not. The estimate is the
/// engine's layout: the centres C·K·E floats; the optimizer's state (Adam and AdamW 2, Adadelta 2, SGD with momentum 1,
/// plain SGD 0 copies of the centres, plus a step count per row); the centres' gradient (all of it, or with Partial FC
/// the sampled rows twice: their gathered values and their gradient); and about three [batch × columns] float buffers
/// (cosines, logits/gradient, clamp bits and, for K &gt; 1, the per-centre cosines).
/// </summary>
internal static class MemoryBudget
{
    /// <summary>Tests override the memory the check compares with (null: what the GC reports as available, less the heap in use).</summary>
    internal static long? AvailableBytesOverride { get; set; }

    /// <summary>The estimate in bytes for <paramref name="settings"/> with <paramref name="classCount"/> classes of <paramref name="embeddingSize"/>-d embeddings.</summary>
    public static (long Centers, long OptimizerState, long Buffers) Estimate(TrainingSettings settings, int classCount, int embeddingSize)
    {
        if (settings.Head == HeadKind.Softmax) return (0, 0, 0);
        int k = settings.HeadOptions.SubCenters ?? (settings.Head == HeadKind.SubCenter ? HeadDefaults.SubCenters : 1);
        long rows = (long)classCount * k;
        long centers = rows * embeddingSize * sizeof(float);
        int slots = settings.Optimizer switch
        {
            OptimizerKind.Sgd => settings.Momentum != 0 ? 1 : 0,
            _ => 2,
        };
        long state = centers * slots + rows * sizeof(long);
        long columns = settings.SampleRate < 1 ? Math.Min(classCount, Math.Max((long)(settings.SampleRate * classCount), settings.BatchSize)) : classCount;
        long gradient = settings.SampleRate < 1 ? 2 * columns * k * embeddingSize * sizeof(float) : centers;
        long buffers = gradient + (long)settings.BatchSize * columns * sizeof(float) * (k > 1 ? 3 + k : 3);
        return (centers, state, buffers);
    }

    /// <summary>Throws when the estimate exceeds the memory available.</summary>
    /// <exception cref="InsufficientMemoryException">Names the figures and what to change.</exception>
    public static void Check(TrainingSettings settings, int classCount, int embeddingSize)
    {
        var (centers, state, buffers) = Estimate(settings, classCount, embeddingSize);
        long total = centers + state + buffers;
        if (total == 0) return;
        long available = AvailableBytesOverride ?? Math.Max(0, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes - GC.GetTotalMemory(false));
        if (total <= available) return;
        static string Gb(long bytes) => (bytes / 1e9).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture) + " GB";
        throw new InsufficientMemoryException(
            $"The {HeadFactory.Name(settings.Head)} head for {classCount:N0} classes × {embeddingSize}-d embeddings needs about {Gb(centers)} for its class centres, " +
            $"{Gb(state)} for the {settings.Optimizer} optimizer's state and {Gb(buffers)} for gradients and batch buffers — {Gb(total)} in all — " +
            $"but {Gb(available)} of memory is available. Lower the embedding size (EncoderSpec.EmbeddingSize), train with Partial FC " +
            $"(Options.SampleRate, e.g. 0.1: only the sampled classes' gradients and batch buffers are held), or use SGD without momentum (no optimizer state).");
    }
}

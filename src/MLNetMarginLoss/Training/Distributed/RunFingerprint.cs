using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MLNetMarginLoss.Data;

namespace MLNetMarginLoss.Training.Distributed;

/// <summary>
/// Checks, before training starts, that every process was given the same job: each process describes its settings
/// and data as a list of named components (a count where a count says more, else the first 48 bits of a SHA-256 of
/// the value: every setting but the per-process ones — threads, GEMM, checkpoint path, progress, communicator — each
/// as its JSON, the training and validation rows, features, labels and class names, the initial model's weights and
/// the library version), the lists are all-gathered, and every process throws the same
/// <see cref="DistributedTrainingException"/> naming the first component where a rank differs from rank 0
/// ("rank 1's options.LearningRate differs from rank 0's"). Hashing the features reads them once (about a second per
/// GB).
/// </summary>
internal static class RunFingerprint
{
    private static readonly HashSet<string> PerProcess =
    [
        nameof(TrainingSettings.Threads), nameof(TrainingSettings.GemmProvider), nameof(TrainingSettings.CheckpointDirectory),
        nameof(TrainingSettings.Progress), nameof(TrainingSettings.Communicator), nameof(TrainingSettings.InitialEncoder),
    ];

    /// <summary>Throws unless every process of <paramref name="world"/> describes the same job.</summary>
    /// <exception cref="DistributedTrainingException">A component differs; the message names it and the ranks.</exception>
    public static void Check(Communicator world, TrainingSettings settings, Dataset train, Dataset? validation)
    {
        var components = Describe(settings, train, validation);
        int k = components.Count;
        Span<long> size = [k, -k];
        world.AllReduce(size, ReduceOperation.Max);
        if (size[0] != -size[1])
            throw new DistributedTrainingException($"{world.RankName}: the processes run different versions of MLNetMarginLoss (their job descriptions differ in length); install the same version for every process.");
        var mine = components.Select(c => c.Value).ToArray();
        var all = new double[k * world.Size];
        var counts = new int[world.Size];
        counts.AsSpan().Fill(k);
        world.AllGather<double>(mine, all, counts);
        for (int r = 1; r < world.Size; r++)
            for (int i = 0; i < k; i++)
            {
                double theirs = all[r * k + i], root = all[i];
                if (theirs == root) continue;
                var (name, _, isCount) = components[i];
                string values = isCount ? $" ({theirs:R} vs {root:R})" : "";
                throw new DistributedTrainingException(
                    $"{world.RankName}: the processes were started with different options or data: rank {r}'s {name} differs from rank 0's{values}. " +
                    "Every process must train the same job: start them with the same command line, the same data and the same library version.");
            }
    }

    /// <summary>The named components of this process's job: (name, value, whether the value is a count to show).</summary>
    internal static List<(string Name, double Value, bool IsCount)> Describe(TrainingSettings settings, Dataset train, Dataset? validation)
    {
        var list = new List<(string, double, bool)>();
        foreach (var p in typeof(TrainingSettings).GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            if (PerProcess.Contains(p.Name)) continue;
            list.Add(("options." + p.Name, Hash(Text(p.GetValue(settings))), false));
        }
        list.Add(("initial model", settings.InitialEncoder is { } e ? Hash(e.Network.NamedState().Select(s => s.Parameter.Value)) : 0, false));
        AddData(list, "training data", train);
        if (validation is not null) AddData(list, "validation data", validation);
        else list.Add(("validation data rows", -1, true));
        list.Add(("library version", Hash(Text(typeof(RunFingerprint).Assembly.GetName().Version)), false));
        return list;
    }

    private static void AddData(List<(string, double, bool)> list, string name, Dataset data)
    {
        list.Add((name + " rows", data.Count, true));
        list.Add((name + " sample shape", Hash(data.FeatureShape.ToString()), false));
        // Sparse rows: their offsets, columns and values (the same rows stored the other way differ, as the steps would).
        list.Add((name + " features", data.Sparse is { } sparse
            ? Hash(sparse)
            : Hash([data.Features]), false));
        list.Add((name + " labels", data.Labels is null ? 0 : Hash(MemoryMarshal.AsBytes(data.Labels.AsSpan())), false));
        list.Add((name + " class names", Hash(string.Join("\n", data.ClassNames)), false));
    }

    private static string Text(object? value)
    {
        if (value is null) return "null";
        try
        {
            return JsonSerializer.Serialize(value, value.GetType());
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or JsonException)
        {
            return value.ToString() ?? "";
        }
    }

    private static double Hash(string text) => Hash(Encoding.UTF8.GetBytes(text));

    private static double Hash(IEnumerable<float[]> arrays)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var a in arrays) sha.AppendData(MemoryMarshal.AsBytes(a.AsSpan()));
        return Fold(sha.GetHashAndReset());
    }

    private static double Hash(SparseFeatures sparse)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(MemoryMarshal.AsBytes(sparse.RowOffsets.AsSpan()));
        sha.AppendData(MemoryMarshal.AsBytes(sparse.Indices.AsSpan()));
        sha.AppendData(MemoryMarshal.AsBytes(sparse.Values.AsSpan()));
        return Fold(sha.GetHashAndReset());
    }

    private static double Hash(ReadOnlySpan<byte> bytes) => Fold(SHA256.HashData(bytes));

    /// <summary>The first 48 bits of a digest, as an exact double.</summary>
    private static double Fold(byte[] digest)
    {
        long v = 0;
        for (int i = 0; i < 6; i++) v = (v << 8) | digest[i];
        return v;
    }
}

using System.Diagnostics;
using MLNetMarginLoss.Data;
using MLNetMarginLoss.Training;

namespace MLNetMarginLoss.Cli.Commands;

/// <summary>
/// <c>bench --classes C</c>: the many-class job of insightface's recipe on synthetic data, for heads of 10⁴–10⁶ classes
/// with and without Partial FC: rows with labels drawn uniformly from C classes (centre + noise, 64 features), an MLP
/// 64-512-E encoder, ArcFace s = 64, m = 0.5, SGD with momentum 0.9 at a constant 0.1 (the job is fixed here, not
/// taken from the library's defaults) and weight decay 5·10⁻⁴, batches of 256.
/// One timed epoch after an untimed warm-up of a few batches; reports samples/s, the process's peak working set against
/// the centres plus optimizer state, and the time to save the model as a standard ML.NET .zip.
/// With <c>--train-per-class k</c> it measures what sampling costs in accuracy instead: every class gets k training
/// samples and one held-out sample, training runs <c>--epochs</c> epochs, and the report adds the held-out accuracy
/// (run it once with r = 1 and once with r &lt; 1 to compare).
/// </summary>
internal static class ManyClassBench
{
    public const int Features = 64;

    /// <summary>Samples the process's working set every 20 ms between the first batch and the end of the last epoch (training only, not the model's construction).</summary>
    private sealed class WorkingSetSampler : IDisposable
    {
        private readonly Timer _timer;
        private volatile bool _on;
        private long _peak;

        public WorkingSetSampler() => _timer = new Timer(_ => { if (_on) Update(); }, null, 0, 20);

        public long Peak => Interlocked.Read(ref _peak);

        public void Start() { _on = true; Update(); }

        public void Stop() { Update(); _on = false; }

        private void Update()
        {
            using var process = Process.GetCurrentProcess();
            long now = process.WorkingSet64;
            long seen;
            do seen = Interlocked.Read(ref _peak); while (now > seen && Interlocked.CompareExchange(ref _peak, now, seen) != seen);
        }

        public void Dispose() => _timer.Dispose();
    }

    /// <summary>Forwards progress and switches the sampler on at the first batch and off when the (single) epoch ends.</summary>
    private sealed class Observed(IProgress<TrainingProgress> inner, WorkingSetSampler sampler) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.EpochCompleted) sampler.Stop();
            else sampler.Start();
            inner.Report(value);
        }
    }

    public static Dictionary<string, object?> Run(int classes, int rows, double sampleRate, int embedding, int batch, int threads,
        TrainingBackend? backend, GemmProvider gemm, OptimizerKind optimizer, SampledCentreUpdates updates, bool save, int epochs, int trainPerClass,
        Communicator? world = null)
    {
        bool root = world is null || world.Rank == 0;
        var generate = Stopwatch.StartNew();
        Dataset data, heldOut = null!;
        if (trainPerClass > 0)
            (data, heldOut) = SyntheticClasses.Split(SyntheticClasses.Create(classes, trainPerClass + 1, Features, noise: 0.4, seed: 1), trainPerClass + 1, trainPerClass);
        else
            data = SyntheticClasses.CreateRandomLabels(classes, rows, Features, noise: 0.4, seed: 1);
        if (root) Console.Error.WriteLine($"bench: {data.Count:N0} rows over {classes:N0} classes generated in {generate.Elapsed.TotalSeconds:F1} s");
        ArcFaceTrainer.Options Options() => new()
        {
            Head = HeadKind.ArcFace,
            HeadOptions = new HeadOptions { Scale = 64, Margin = 0.5 },
            Encoder = new EncoderSpec { Kind = EncoderKind.Mlp, HiddenSizes = [512], EmbeddingSize = embedding },
            SampleRate = sampleRate,
            SampledCentreUpdates = updates,
            Optimizer = optimizer,
            LearningRate = optimizer == OptimizerKind.Sgd ? 0.1f : 1e-3f,
            Schedule = ScheduleKind.Constant,
            Momentum = 0.9f,
            WeightDecay = 5e-4f,
            MaxEpoch = epochs,
            BatchSize = batch,
            Threads = threads,
            Backend = backend,
            GemmProvider = gemm,
            Communicator = world,
        };
        var settings = Options().ToSettings();
        var (centres, state, buffers) = MemoryBudget.Estimate(settings, classes, embedding);

        // Untimed warm-up (JIT) on a small head, so that its buffers do not add to the measured peak.
        var warmUp = Options();
        warmUp.MaxEpoch = 1;
        new ArcFaceTrainer(warmUp).Fit(SyntheticClasses.CreateRandomLabels(1000, 4 * batch, Features, 0.4, seed: 2));
        GC.Collect();
        var timed = Options();
        using var sampler = new WorkingSetSampler();
        var fit = Stopwatch.StartNew();
        IProgress<TrainingProgress> Observe(IProgress<TrainingProgress>? progress) => new Observed(progress ?? new Progress<TrainingProgress>(), sampler);
        world?.ResetStatistics();
        var model = !root
            ? new ArcFaceTrainer(With(timed, Observe(null))).Fit(data)
            : ConsoleProgress.Run("bench", progress => new ArcFaceTrainer(With(timed, Observe(progress))).Fit(data));
        double fitSeconds = fit.Elapsed.TotalSeconds;
        long peak = sampler.Peak;
        var epoch = model.History.Epochs[^1];
        var values = new Dictionary<string, object?>
        {
            ["job"] = "many-class",
            ["classes"] = classes,
            ["sampleRate"] = sampleRate,
            ["embeddingSize"] = embedding,
            ["samples"] = data.Count,
            ["epochs"] = epochs,
            ["batchSize"] = batch,
            ["optimizer"] = optimizer.ToString().ToLowerInvariant(),
            ["sampledCentreUpdates"] = updates.ToString().ToLowerInvariant(),
            ["backend"] = model.Backend,
            ["threads"] = int.TryParse(model.Info.TrainingOptions.GetValueOrDefault("threads"), out int t) ? t : null,
            ["epochSeconds"] = epoch.Seconds,
            ["samplesPerSecond"] = epoch.SamplesPerSecond,
            ["fitSeconds"] = fitSeconds,
            ["centresMB"] = centres / 1e6,
            ["optimizerStateMB"] = state / 1e6,
            ["trainingPeakWorkingSetMB"] = peak / 1e6,
            ["peakOverCentresAndState"] = (double)peak / (centres + state),
            ["isEmbeddingModel"] = model.IsEmbeddingModel,
        };
        if (world is { Size: > 1 })
        {
            values["processes"] = world.Size;
            values["communicationSeconds"] = world.CommunicationTime.TotalSeconds;
            values["bytesPerSample"] = world.CommunicatedBytes / (double)(data.Count * epochs);
            values["collectives"] = world.Collectives;
        }
        if (!root) return values;
        if (trainPerClass > 0) values["heldOutAccuracy"] = HeldOutAccuracy(model, heldOut);
        if (save)
        {
            string path = Path.Combine(Path.GetTempPath(), $"mlnet-margin-bench-{Environment.ProcessId}.zip");
            try
            {
                var clock = Stopwatch.StartNew();
                new Microsoft.ML.MLContext(0).Model.Save(model, null, path);
                values["saveSeconds"] = clock.Elapsed.TotalSeconds;
                values["modelMB"] = new FileInfo(path).Length / 1e6;
            }
            finally
            {
                File.Delete(path);
            }
        }
        Console.WriteLine($"{classes:N0} classes, r = {sampleRate:G3}, E = {embedding} on {model.Backend}: {epoch.SamplesPerSecond:F0} samples/s, " +
            $"peak {peak / 1e9:F2} GB = {(double)peak / (centres + state):F2}× centres + optimizer state ({(centres + state) / 1e9:F2} GB)" +
            (values.TryGetValue("saveSeconds", out var s) ? $", saved in {s:F1} s" : "") +
            (values.TryGetValue("heldOutAccuracy", out var a) ? $", held-out accuracy {a:F4} after {epochs} epoch(s)" : ""));
        return values;
    }

    private static ArcFaceTrainer.Options With(ArcFaceTrainer.Options options, IProgress<TrainingProgress> progress)
    {
        options.Progress = progress;
        return options;
    }

    /// <summary>Share of held-out rows whose predicted class is their label.</summary>
    private static double HeldOutAccuracy(ArcFaceTransformer model, Dataset heldOut)
    {
        var predictions = model.Network.Transform(heldOut);
        int correct = 0;
        for (int i = 0; i < heldOut.Count; i++) if (predictions.PredictedLabel[i] == heldOut.Labels![i]) correct++;
        return (double)correct / heldOut.Count;
    }
}

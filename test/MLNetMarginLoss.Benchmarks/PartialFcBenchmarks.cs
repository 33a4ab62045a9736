using BenchmarkDotNet.Attributes;
using MLNetMarginLoss.Data;
using MLNetMarginLoss.Encoders;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Heads;
using MLNetMarginLoss.Training;

namespace MLNetMarginLoss.Benchmarks;

/// <summary>
/// One training step of the many-class job of <c>bench --classes C</c> (MLP 64-512-128, ArcFace s = 64, m = 0.5, SGD
/// with momentum 0.9 and weight decay 5·10⁻⁴, batches of 256 rows of C synthetic classes) on the engine, with the full
/// head (r = 1) and with Partial FC (r = 0.1, lazy updates of the unsampled centres), at C = 10⁴, 10⁵ and 10⁶.
/// Samples/s = 256 / Mean. The end-to-end figures against the PyTorch peer and the peak memory come from
/// <c>bench --classes C --sample-rate r --json</c> and <c>peers/partial_fc_peer.py</c>, run side by side.
/// <c>dotnet run -c Release --project test/MLNetMarginLoss.Benchmarks -- --filter '*PartialFc*'</c>
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
[MemoryDiagnoser]
public class PartialFcBenchmarks
{
    private const int Batch = 256, Batches = 8, Features = 64, Embedding = 128;
    private EngineSession _session = null!;
    private int[] _rows = null!;
    private int _next;

    /// <summary>Classes C.</summary>
    [Params(10_000, 100_000, 1_000_000)]
    public int Classes { get; set; }

    /// <summary>Partial FC sample rate r (1 = the full head).</summary>
    [Params(1.0, 0.1)]
    public double SampleRate { get; set; }

    /// <summary>Builds the network and the session as training does, on 8 batches of synthetic rows.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var data = SyntheticClasses.CreateRandomLabels(Classes, Batch * Batches, Features, noise: 0.4, seed: 1);
        var settings = new ArcFaceTrainer.Options
        {
            Head = HeadKind.ArcFace,
            HeadOptions = new HeadOptions { Scale = 64, Margin = 0.5 },
            Encoder = new EncoderSpec { Kind = EncoderKind.Mlp, HiddenSizes = [512], EmbeddingSize = Embedding },
            SampleRate = SampleRate,
            Optimizer = OptimizerKind.Sgd,
            LearningRate = 0.1f,
            Momentum = 0.9f,
            WeightDecay = 5e-4f,
            BatchSize = Batch,
        }.ToSettings();
        var random = new SeededRandom(settings.Seed);
        var encoder = Encoder.Build(settings.Encoder with { InputShape = data.FeatureShape }, random.Fork());
        var head = HeadFactory.Create(settings.Head, Embedding, Classes, settings.HeadOptions);
        head.Initialize(random.Fork());
        if (SampleRate < 1) ((CosineMarginHead)head).Sampler = new PartialFcSampler(Classes, SampleRate);
        _session = new EngineSession(new TrainingSetup(settings, data, null, encoder, head, CancellationToken.None));
        _session.BeginEpoch(0, Batches, random.Fork(), marginActive: true);
        _rows = Enumerable.Range(0, data.Count).ToArray();
    }

    /// <summary>Releases the session.</summary>
    [GlobalCleanup]
    public void Cleanup() => _session.Dispose();

    /// <summary>Forward, loss and backward of encoder and head, then the optimizer step (sampled centre rows only for r &lt; 1).</summary>
    [Benchmark]
    public void TrainingStep()
    {
        int batch = _next++ % Batches;
        _session.Step(batch, _rows.AsSpan(batch * Batch, Batch), 0.1f);
    }
}

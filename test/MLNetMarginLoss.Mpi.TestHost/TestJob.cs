using System.Globalization;
using MLNetMarginLoss.Data;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Heads;
using MLNetMarginLoss.Training;

namespace MLNetMarginLoss.Mpi.TestHost;

/// <summary>
/// A small training job described by a few values, built the same way by the MPI test host (in each process) and by
/// the tests (for the one-process reference): synthetic classes (12×12 images for the seed CNN, 144-d vectors for the
/// MLP without batch norm), every option fixed, one kernel thread.
/// </summary>
internal sealed record TestJob
{
    public string Encoder { get; init; } = "mlp";
    public HeadKind Head { get; init; } = HeadKind.ArcFace;
    public int BatchSize { get; init; } = 16;
    public int Epochs { get; init; } = 2;
    public long Seed { get; init; } = 3;
    public double SampleRate { get; init; } = 1;
    public int Classes { get; init; } = 10;
    public int SamplesPerClass { get; init; } = 20;
    public float LearningRate { get; init; } = 2e-3f;
    public string? CheckpointDirectory { get; init; }
    public bool Validation { get; init; }
    public int Patience { get; init; }

    /// <summary>Stores the rows sparse (values below 0.08 in magnitude dropped), as text features arrive.</summary>
    public bool Sparse { get; init; }

    /// <summary>Reads "key=value" pairs (the record's property names, case-insensitive).</summary>
    public static TestJob Parse(IEnumerable<string> pairs)
    {
        var job = new TestJob();
        foreach (var pair in pairs)
        {
            var (key, value) = (pair[..pair.IndexOf('=')].ToLowerInvariant(), pair[(pair.IndexOf('=') + 1)..]);
            job = key switch
            {
                "encoder" => job with { Encoder = value },
                "head" => job with { Head = HeadFactory.Parse(value) },
                "batchsize" => job with { BatchSize = int.Parse(value, CultureInfo.InvariantCulture) },
                "epochs" => job with { Epochs = int.Parse(value, CultureInfo.InvariantCulture) },
                "seed" => job with { Seed = long.Parse(value, CultureInfo.InvariantCulture) },
                "samplerate" => job with { SampleRate = double.Parse(value, CultureInfo.InvariantCulture) },
                "classes" => job with { Classes = int.Parse(value, CultureInfo.InvariantCulture) },
                "samplesperclass" => job with { SamplesPerClass = int.Parse(value, CultureInfo.InvariantCulture) },
                "learningrate" => job with { LearningRate = float.Parse(value, CultureInfo.InvariantCulture) },
                "checkpointdirectory" => job with { CheckpointDirectory = value },
                "validation" => job with { Validation = bool.Parse(value) },
                "patience" => job with { Patience = int.Parse(value, CultureInfo.InvariantCulture) },
                "sparse" => job with { Sparse = bool.Parse(value) },
                _ => throw new ArgumentException($"Unknown job setting '{key}'."),
            };
        }
        return job;
    }

    /// <summary>"key=value" pairs that <see cref="Parse"/> reads back.</summary>
    public string[] ToArguments() =>
    [
        $"encoder={Encoder}", $"head={HeadFactory.Name(Head)}", $"batchsize={BatchSize}", $"epochs={Epochs}", $"seed={Seed}",
        $"samplerate={SampleRate.ToString("R", CultureInfo.InvariantCulture)}", $"classes={Classes}", $"samplesperclass={SamplesPerClass}",
        $"learningrate={LearningRate.ToString("R", CultureInfo.InvariantCulture)}", $"validation={Validation}", $"patience={Patience}", $"sparse={Sparse}",
        .. CheckpointDirectory is null ? Array.Empty<string>() : [$"checkpointdirectory={CheckpointDirectory}"],
    ];

    /// <summary>The training data (and, with <see cref="Validation"/>, a validation set of other samples of the same classes).</summary>
    public (Dataset Train, Dataset? Validation) Data()
    {
        var all = SyntheticClasses.Create(Classes, SamplesPerClass * 2, 144, 0.6, 1000 + Seed);
        var (train, test) = SyntheticClasses.Split(all, SamplesPerClass * 2, SamplesPerClass);
        if (Encoder == "cnn")
        {
            train = new Dataset(train.Features, new TensorShape(1, 12, 12), train.Labels, train.ClassNames, train.Source);
            test = new Dataset(test.Features, new TensorShape(1, 12, 12), test.Labels, test.ClassNames, test.Source);
        }
        if (Sparse) (train, test) = (Sparsified(train), Sparsified(test));
        return (train, Validation ? test : null);
    }

    private static Dataset Sparsified(Dataset data)
    {
        var builder = new SparseFeaturesBuilder(data.RowSize);
        var row = new float[data.RowSize];
        for (int i = 0; i < data.Count; i++)
        {
            data.Row(i).CopyTo(row);
            for (int j = 0; j < row.Length; j++) if (MathF.Abs(row[j]) < 0.08f) row[j] = 0;
            builder.AppendDense(row);
        }
        return new Dataset(builder.Build(), data.FeatureShape, data.Labels, data.ClassNames, data.Source);
    }

    /// <summary>The trainer's settings with <paramref name="batchSize"/> rows per process.</summary>
    public TrainingSettings Settings(Communicator? world, IProgress<TrainingProgress>? progress, int batchSize) => new()
    {
        Head = Head,
        HeadOptions = Head switch
        {
            HeadKind.AdaCos or HeadKind.Softmax => new HeadOptions(),
            HeadKind.MagFace => new HeadOptions { Scale = 16 },
            _ => new HeadOptions { Scale = 16, Margin = 0.3 },
        },
        Encoder = Encoder == "cnn"
            ? new EncoderSpec { Kind = EncoderKind.Cnn, EmbeddingSize = 16 }
            : new EncoderSpec { Kind = EncoderKind.Mlp, HiddenSizes = [64], EmbeddingSize = 16 },
        SampleRate = SampleRate,
        LearningRate = LearningRate,
        MaxEpoch = Epochs,
        BatchSize = batchSize,
        Seed = Seed,
        Threads = 1,
        GemmProvider = GemmProvider.Managed,
        CheckpointDirectory = CheckpointDirectory,
        EarlyStoppingPatience = Patience,
        Progress = progress,
        Communicator = world,
    };

    /// <summary>
    /// Trains on <paramref name="world"/> (null: one process with the global batch of <paramref name="processes"/>
    /// processes, <paramref name="processes"/> × <see cref="BatchSize"/>) and returns the network and every step's loss.
    /// </summary>
    public (TrainedNetwork Network, List<double> Losses) Train(Communicator? world, Action<TrainingProgress>? onBatch = null, int processes = 2)
    {
        var losses = new List<double>();
        var progress = new SynchronousProgress(p =>
        {
            if (p.EpochCompleted || p.ResumedAtEpoch is not null) return;
            losses.Add(p.BatchLoss);
            onBatch?.Invoke(p);
        });
        var (train, validation) = Data();
        var settings = Settings(world, progress, world is null ? BatchSize * processes : BatchSize);
        var network = EngineBackend.Instance.Train(new TrainingJob(settings, train, validation, CancellationToken.None));
        return (network, losses);
    }

    /// <summary>Every weight of the network (encoder parameters and buffers, the head's centres, parameters and buffers), flattened.</summary>
    public static float[] Weights(TrainedNetwork network) =>
        NetworkManifest.CollectTensors(network.Encoder, network.Head).SelectMany(t => t.Data).ToArray();

    /// <summary>An <see cref="IProgress{T}"/> that reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}

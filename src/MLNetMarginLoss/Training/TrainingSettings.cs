using MLNetMarginLoss.Data;
using MLNetMarginLoss.Encoders;
using MLNetMarginLoss.Engine.Kernels;

namespace MLNetMarginLoss.Training;

/// <summary>
/// Everything the training loop needs to know, validated, in the loop's own terms: what <see cref="ArcFaceTrainer"/>
/// maps its ML.NET-facing <see cref="ArcFaceTrainer.Options"/> to (the loop never sees an IDataView, a transformer or
/// column names). Defaults and meanings are those documented on the options.
/// </summary>
internal sealed record TrainingSettings
{
    /// <summary>The head.</summary>
    public HeadKind Head { get; init; } = HeadKind.ArcFace;

    /// <summary>The head's options (unset values take the head's defaults).</summary>
    public HeadOptions HeadOptions { get; init; } = new();

    /// <summary>The encoder; its input shape is set from the data by the loop.</summary>
    public EncoderSpec Encoder { get; init; } = new();

    /// <summary>Partial FC sample rate r in (0, 1]; 1 uses every class in every batch.</summary>
    public double SampleRate { get; init; } = 1.0;

    /// <summary>Partial FC: lazy or dense updates of the unsampled centres.</summary>
    public SampledCentreUpdates SampledCentreUpdates { get; init; } = SampledCentreUpdates.Lazy;

    /// <summary>The optimizer.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;

    /// <summary>Base learning rate.</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>Weight decay (L2 for Adam/SGD/Adadelta, decoupled for AdamW).</summary>
    public float WeightDecay { get; init; }

    /// <summary>SGD momentum.</summary>
    public float Momentum { get; init; } = 0.9f;

    /// <summary>SGD Nesterov momentum.</summary>
    public bool Nesterov { get; init; }

    /// <summary>Learning-rate multiplier of the head's parameters and class centres.</summary>
    public float HeadLearningRateMultiplier { get; init; } = 1f;

    /// <summary>The learning-rate schedule.</summary>
    public ScheduleKind Schedule { get; init; } = ScheduleKind.Constant;

    /// <summary>Step schedule: epochs between decays.</summary>
    public int ScheduleStepEpochs { get; init; } = 10;

    /// <summary>Step, multi-step and plateau schedules: the decay factor.</summary>
    public float ScheduleGamma { get; init; } = 0.1f;

    /// <summary>Multi-step schedule: epochs at which to decay.</summary>
    public int[] ScheduleMilestones { get; init; } = [];

    /// <summary>Cosine schedule: epochs of linear warm-up.</summary>
    public int WarmupEpochs { get; init; }

    /// <summary>Cosine and plateau schedules: the floor of the learning rate.</summary>
    public float MinLearningRate { get; init; }

    /// <summary>Plateau schedule: epochs without improvement before decaying.</summary>
    public int PlateauPatience { get; init; } = 2;

    /// <summary>Passes over the training data.</summary>
    public int MaxEpoch { get; init; } = 10;

    /// <summary>Samples per batch (per process when <see cref="Communicator"/> has several).</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Seed of initialisation, shuffling, dropout, augmentation and sampling.</summary>
    public long Seed { get; init; }

    /// <summary>Kernel threads (0 = one per core).</summary>
    public int Threads { get; init; }

    /// <summary>Which GEMM the engine uses.</summary>
    public GemmProvider GemmProvider { get; init; } = GemmProvider.Auto;

    /// <summary>Early stopping patience in epochs (0 = off).</summary>
    public int EarlyStoppingPatience { get; init; }

    /// <summary>Epochs of plain s·cos θ before the margin starts.</summary>
    public int SoftmaxWarmupEpochs { get; init; }

    /// <summary>Fine-tuning: an encoder of the same architecture whose weights start the run.</summary>
    public Encoder? InitialEncoder { get; init; }

    /// <summary>Random augmentation of training images.</summary>
    public ImageAugmentation? Augmentation { get; init; }

    /// <summary>Encoder layers with parameters frozen from the input side.</summary>
    public int FrozenLayers { get; init; }

    /// <summary>Where a checkpoint is written after every epoch (and resumed from).</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Sub-centre ArcFace: drop outliers after this many epochs (0 = never).</summary>
    public int DropOutliersAfterEpoch { get; init; }

    /// <summary>Receives progress reports.</summary>
    public IProgress<TrainingProgress>? Progress { get; init; }

    /// <summary>The processes that train together (null or one process: this process alone).</summary>
    public Communicator? Communicator { get; init; }

    /// <summary>Rows of one step over all processes: <see cref="BatchSize"/> × processes.</summary>
    public int GlobalBatchSize => checked(BatchSize * (Communicator?.Size ?? 1));
}

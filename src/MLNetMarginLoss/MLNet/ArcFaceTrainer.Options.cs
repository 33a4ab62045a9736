using Microsoft.ML;
using MLNetMarginLoss.Heads;

namespace MLNetMarginLoss;

public sealed partial class ArcFaceTrainer
{
/// <summary>
/// Everything an <see cref="ArcFaceTrainer"/> needs, named as ML.NET's trainers name them. Every member has a
/// documented default, so <c>new ArcFaceTrainer.Options()</c> trains an MLP (hidden 512, 256; embedding 128) with
/// an ArcFace head (m = 0.5, s = <see cref="HeadDefaults.DefaultScale"/>: 8.19 for 10 classes) using Adam at 1e-3 with a
/// cosine schedule for 10 epochs of 256-sample batches on the engine backend.
/// </summary>
public sealed class Options
{
    /// <summary>The label column: a key column (add <c>mlContext.Transforms.Conversion.MapValueToKey</c>). Default "Label".</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>The feature column: a known-size vector of Single. Default "Features".</summary>
    public string FeatureColumnName { get; set; } = "Features";

    /// <summary>The output column of per-class probabilities (softmax of s·cos θ). Default "Score".</summary>
    public string ScoreColumnName { get; set; } = "Score";

    /// <summary>The output column of the predicted class (a key with the training label's values). Default "PredictedLabel".</summary>
    public string PredictionColumnName { get; set; } = "PredictedLabel";

    /// <summary>The output column of L2-normalised embeddings. Default "Embedding".</summary>
    public string EmbeddingColumnName { get; set; } = "Embedding";

    /// <summary>
    /// Data scored after every epoch (validation loss and accuracy, early stopping, the plateau schedule). It must
    /// have the same feature and label columns, and a label key with the same values. Default: none.
    /// </summary>
    public IDataView? ValidationSet { get; set; }

    /// <summary>
    /// Where training runs. Default (null): the engine (C# SIMD kernels on the CPU). The TorchSharp backend
    /// (package MLNetMarginLoss.TorchSharp) trains on GPUs.
    /// </summary>
    public TrainingBackend? Backend { get; set; }

    /// <summary>
    /// Training across processes and machines: the processes that train this model together, e.g.
    /// <c>MpiCommunicator.World</c> from the MLNetMarginLoss.Mpi package, every process running the same program under
    /// <c>mpiexec</c> with the same options and data. Each step then covers <see cref="BatchSize"/> × processes rows of
    /// the epoch's shuffle, each process encoding its part; the encoder's gradients are summed over the processes (data
    /// parallel), and a cosine head's class centres are sharded by class (each process holds C / processes of them, the
    /// softmax is computed across processes), so two processes × BatchSize b train as one process × 2b (exactly so for
    /// encoders without batch norm and without augmentation). Engine backend only; <c>Fit</c> returns the same complete
    /// model on every process. Default: null (this process alone; no communication library needed).
    /// </summary>
    public Communicator? Communicator { get; set; }

    /// <summary>
    /// The margin head. Default: null, which is ArcFace for <c>new ArcFaceTrainer(options)</c> and the method's head for
    /// the catalog's per-head methods (<c>Trainers.CosFace(options)</c> …); setting a different head there is an error.
    /// </summary>
    public HeadKind? Head { get; set; }

    /// <summary>
    /// Partial FC (insightface): the fraction r of classes whose centres take part in each training batch — every class
    /// present in the batch plus negatives drawn uniformly, ⌊r·C⌋ columns in all — so that heads of 10⁵–10⁷ classes train
    /// at a fraction of the time and memory; only the sampled centres are updated (lazily: an unsampled centre keeps its
    /// value and its optimizer state). Validation, inference and the saved model always use every class. In (0, 1];
    /// cosine heads only. Default: 1 (every class in every batch; insightface uses 0.1–0.3 for very many classes).
    /// </summary>
    public double SampleRate { get; set; } = 1.0;

    /// <summary>
    /// Partial FC: what the optimizer does with the centres a step did not sample — <see cref="SampledCentreUpdates.Lazy"/>
    /// (leave them and their optimizer state alone; the cheapest) or <see cref="SampledCentreUpdates.Dense"/> (update them
    /// with a zero gradient, as a dense optimizer would: momentum, moments and weight decay keep acting; reaches the full
    /// head's accuracy where lazy updates lag with Adam). No effect without sampling. Default: Lazy.
    /// </summary>
    public SampledCentreUpdates SampledCentreUpdates { get; set; } = SampledCentreUpdates.Lazy;

    /// <summary>
    /// The head's settings (scale, margins, sub-centres…). Unset values take the head's defaults (see the README's
    /// table); an unset scale takes <see cref="HeadDefaults.DefaultScale"/>, the smallest s at which a sample on its
    /// class centre can reach softmax confidence 0.999 (at least 4; 8.19 for 10 classes, 11.39 for 100).
    /// Default: all unset.
    /// </summary>
    public HeadOptions HeadOptions { get; set; } = new();

    /// <summary>
    /// The encoder architecture. Its input shape is taken from the feature column: [C, H, W] from the column's
    /// dimensions (as ImageAnalytics' ExtractPixels sets them), else <see cref="ImageShape"/>, else a flat vector.
    /// Default: the MLP.
    /// </summary>
    public EncoderSpec Encoder { get; set; } = new();

    /// <summary>
    /// Image encoders: the [channels, height, width] of a flat feature column (e.g. a CSV of pixels), used when
    /// the column carries no dimensions. Default: none.
    /// </summary>
    public int[]? ImageShape { get; set; }

    /// <summary>The optimizer. Default: Adam.</summary>
    public OptimizerKind Optimizer { get; set; } = OptimizerKind.Adam;

    /// <summary>Base learning rate. Default: 1e-3.</summary>
    public float LearningRate { get; set; } = 1e-3f;

    /// <summary>Weight decay (L2 for Adam/SGD/Adadelta, decoupled for AdamW). Default: 0 (AdamW: 0.01 is typical).</summary>
    public float WeightDecay { get; set; }

    /// <summary>SGD momentum. Default: 0.9.</summary>
    public float Momentum { get; set; } = 0.9f;

    /// <summary>SGD Nesterov momentum. Default: false.</summary>
    public bool Nesterov { get; set; }

    /// <summary>Learning-rate multiplier for the head's parameters (a separate head learning rate). Default: 1.</summary>
    public float HeadLearningRateMultiplier { get; set; } = 1f;

    /// <summary>
    /// The learning-rate schedule. Default: cosine — from <see cref="LearningRate"/> down to
    /// <see cref="MinLearningRate"/> (0) over <see cref="MaxEpoch"/> epochs, per optimizer step, whatever MaxEpoch
    /// is, with no warm-up (<see cref="WarmupEpochs"/> 0). Why: a constant rate ends training at the full rate, so
    /// the final weights are one noisy point of the last epoch; annealing lets them settle. On the README's quick
    /// start (20,000 Fashion-MNIST rows, 3 epochs) the spread over seeds 0–4 fell from 0.019 to 0.001 and the mean
    /// rose by 0.01 on held-out training rows; a step decay scored alike but needs a milestone chosen per run length.
    /// Very short runs on small data train further at a constant rate (2,000 rows, 2 epochs: 0.743 against 0.702);
    /// choose <see cref="ScheduleKind.Constant"/> there. The rate depends on MaxEpoch, so resuming a checkpoint with a
    /// larger MaxEpoch continues on the longer run's curve.
    /// </summary>
    public ScheduleKind Schedule { get; set; } = ScheduleKind.Cosine;

    /// <summary>Step schedule: epochs between decays. Default: 10.</summary>
    public int ScheduleStepEpochs { get; set; } = 10;

    /// <summary>Step, multi-step and plateau schedules: the decay factor. Default: 0.1.</summary>
    public float ScheduleGamma { get; set; } = 0.1f;

    /// <summary>Multi-step schedule: epochs at which to decay. Default: none.</summary>
    public int[] ScheduleMilestones { get; set; } = [];

    /// <summary>
    /// Cosine schedule: epochs of linear warm-up, fewer than <see cref="MaxEpoch"/>. Default: 0 (a default of 1 would
    /// forbid MaxEpoch = 1; on the quick start one epoch of warm-up changed the accuracy by +0.002, less than the
    /// other levers measured).
    /// </summary>
    public int WarmupEpochs { get; set; }

    /// <summary>Cosine and plateau schedules: the floor of the learning rate. Default: 0 (the cosine ends at 0).</summary>
    public float MinLearningRate { get; set; }

    /// <summary>Plateau schedule: epochs without improvement of the validation loss before decaying. Default: 2.</summary>
    public int PlateauPatience { get; set; } = 2;

    /// <summary>Number of passes over the training data (fewer with early stopping). Default: 10.</summary>
    public int MaxEpoch { get; set; } = 10;

    /// <summary>Samples per batch (per process when <see cref="Communicator"/> has several). Default: 256.</summary>
    public int BatchSize { get; set; } = 256;

    /// <summary>Seed of the trainer's random generator (initialisation, shuffling, dropout). Default: 0.</summary>
    public long Seed { get; set; }

    /// <summary>Threads for the kernels; 0 = one per core. Results are bit-identical for a fixed seed and thread count.</summary>
    public int Threads { get; set; }

    /// <summary>Which GEMM to use. Default: OpenBLAS when present, else managed.</summary>
    public GemmProvider GemmProvider { get; set; } = GemmProvider.Auto;

    /// <summary>
    /// Early stopping: stop when the validation loss has not improved for this many epochs and keep the best
    /// weights. 0 = off. Needs validation data.
    /// </summary>
    public int EarlyStoppingPatience { get; set; }

    /// <summary>
    /// Epochs trained with the margin switched off (plain normalised softmax, s·cos θ) before the margin head
    /// takes over: a common remedy when a margin head does not converge from scratch. Default: 0.
    /// </summary>
    public int SoftmaxWarmupEpochs { get; set; }

    /// <summary>
    /// A trained model whose encoder weights start this training (fine-tuning). Its encoder architecture and
    /// input shape must match <see cref="Encoder"/>'s; the head is trained afresh. Default: none.
    /// </summary>
    public ArcFaceTransformer? InitialModel { get; set; }

    /// <summary>
    /// Random augmentation of training images (horizontal flip, padded crop, small rotation), drawn anew for every
    /// sample of every epoch from the trainer's seed; validation and inference see the images unchanged. Needs image
    /// samples [C, H, W]. Histogram equalisation is not allowed here: it changes what the model sees at inference,
    /// so apply it to all data as a preprocessing step instead. Default: none.
    /// </summary>
    public ImageAugmentation? Augmentation { get; set; }

    /// <summary>Fine-tuning: freeze the first N encoder layers that have parameters. Default: 0.</summary>
    public int FrozenLayers { get; set; }

    /// <summary>
    /// Where to write a checkpoint after every epoch (atomically). When a checkpoint from a compatible run is
    /// found there, training resumes after its last completed epoch. Default: none.
    /// </summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>
    /// Sub-centre ArcFace: after this many epochs, drop training samples farther than 75° from their class's
    /// dominant centre (the paper's noisy-label cleaning). 0 = never. Default: 0.
    /// </summary>
    public int DropOutliersAfterEpoch { get; set; }

    /// <summary>
    /// Whether the trained model classifies: true adds Score and PredictedLabel beside Embedding, in memory and in the
    /// saved model. False makes an embedding model (<see cref="ArcFaceTransformer.IsEmbeddingModel"/>): Embedding only,
    /// with the class centres kept out of the saved ONNX graph; classify by k-NN over the centres
    /// (<c>mlContext.MulticlassClassification.Trainers.KnnClassifier(model)</c>). A classifier whose class centres and
    /// names would not fit in one ONNX graph (2 GB) becomes an embedding model even when this is true. Default: true.
    /// </summary>
    public bool SaveClassifier { get; set; } = true;

    /// <summary>Receives a report after every batch and every epoch.</summary>
    public IProgress<TrainingProgress>? Progress { get; set; }

    /// <summary>A copy whose head options are a copy too (the catalog's per-head overloads set the head on it).</summary>
    internal Options Clone()
    {
        var copy = (Options)MemberwiseClone();
        copy.HeadOptions = HeadOptions.Clone();
        return copy;
    }

    /// <summary>The training loop's settings for these (validated) options.</summary>
    internal Training.TrainingSettings ToSettings() => new()
    {
        Head = Head ?? HeadKind.ArcFace, HeadOptions = HeadOptions.Clone(), Encoder = Encoder, SampleRate = SampleRate,
        SampledCentreUpdates = SampledCentreUpdates,
        Optimizer = Optimizer, LearningRate = LearningRate, WeightDecay = WeightDecay, Momentum = Momentum, Nesterov = Nesterov,
        HeadLearningRateMultiplier = HeadLearningRateMultiplier, Schedule = Schedule, ScheduleStepEpochs = ScheduleStepEpochs,
        ScheduleGamma = ScheduleGamma, ScheduleMilestones = ScheduleMilestones, WarmupEpochs = WarmupEpochs,
        MinLearningRate = MinLearningRate, PlateauPatience = PlateauPatience, MaxEpoch = MaxEpoch, BatchSize = BatchSize,
        Seed = Seed, Threads = Threads, GemmProvider = GemmProvider, EarlyStoppingPatience = EarlyStoppingPatience,
        SoftmaxWarmupEpochs = SoftmaxWarmupEpochs, InitialEncoder = InitialModel?.Network.Encoder, Augmentation = Augmentation,
        FrozenLayers = FrozenLayers, CheckpointDirectory = CheckpointDirectory, DropOutliersAfterEpoch = DropOutliersAfterEpoch,
        Progress = Progress, Communicator = Communicator,
    };

    /// <summary>Checks the options and throws one clear error for the first problem found.</summary>
    public void Validate()
    {
        if (MaxEpoch < 1) throw new ArgumentOutOfRangeException(nameof(MaxEpoch), MaxEpoch, $"MaxEpoch is {MaxEpoch}: train for at least one epoch.");
        if (BatchSize < 2) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "The batch size must be at least 2.");
        if (!(LearningRate > 0) || !float.IsFinite(LearningRate)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "The learning rate must be a positive number.");
        if (WeightDecay < 0) throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "Weight decay cannot be negative.");
        if (!(HeadLearningRateMultiplier >= 0)) throw new ArgumentOutOfRangeException(nameof(HeadLearningRateMultiplier), HeadLearningRateMultiplier, "The head learning-rate multiplier cannot be negative.");
        if (EarlyStoppingPatience < 0) throw new ArgumentOutOfRangeException(nameof(EarlyStoppingPatience), EarlyStoppingPatience, "Patience cannot be negative.");
        if (SoftmaxWarmupEpochs < 0 || SoftmaxWarmupEpochs >= MaxEpoch)
            throw new ArgumentOutOfRangeException(nameof(SoftmaxWarmupEpochs), SoftmaxWarmupEpochs, $"Softmax warm-up must be shorter than the {MaxEpoch} epochs of training.");
        if (FrozenLayers < 0) throw new ArgumentOutOfRangeException(nameof(FrozenLayers), FrozenLayers, "Frozen layers cannot be negative.");
        if (Threads < 0) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "Threads must be 0 (one per core) or more.");
        if (ScheduleGamma is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(ScheduleGamma), ScheduleGamma, "The schedule's decay factor must be in (0, 1].");
        ArgumentNullException.ThrowIfNull(HeadOptions);
        ArgumentNullException.ThrowIfNull(Encoder);
        Encoder.Validate();
        var head = Head ?? HeadKind.ArcFace;
        Heads.HeadFactory.Create(head, 1, 2, HeadOptions); // the head's options and their ranges (margin, scale, …), before any data is read
        if (!(SampleRate > 0 && SampleRate <= 1))
            throw new ArgumentOutOfRangeException(nameof(SampleRate), SampleRate, "SampleRate (Partial FC) must be in (0, 1]; 1 uses every class in every batch.");
        if (SampleRate < 1 && head == HeadKind.Softmax)
            throw new ArgumentException("SampleRate < 1 (Partial FC) samples class centres, which the plain softmax head does not have; choose a cosine head (e.g. ArcFace) or set SampleRate to 1.");
        if (DropOutliersAfterEpoch < 0)
            throw new ArgumentOutOfRangeException(nameof(DropOutliersAfterEpoch), DropOutliersAfterEpoch, "DropOutliersAfterEpoch cannot be negative.");
        if (DropOutliersAfterEpoch > 0 && head != HeadKind.SubCenter)
            throw new ArgumentException($"DropOutliersAfterEpoch cleans noisy samples with sub-centre ArcFace's dominant centres; the {Heads.HeadFactory.Name(head)} head has none. Use the SubCenter head or set DropOutliersAfterEpoch to 0.");
        foreach (var (name, value) in new[] { (nameof(LabelColumnName), LabelColumnName), (nameof(FeatureColumnName), FeatureColumnName),
                     (nameof(ScoreColumnName), ScoreColumnName), (nameof(PredictionColumnName), PredictionColumnName), (nameof(EmbeddingColumnName), EmbeddingColumnName) })
            if (string.IsNullOrWhiteSpace(value)) throw new ArgumentException($"{name} is empty: name the column.");
        if (Augmentation is { EqualizeHistogram: true })
            throw new ArgumentException("Augmentation.EqualizeHistogram would train on equalised images and predict on raw ones; equalise every image as a preprocessing step (training, validation and inference data) instead.");
        if (Communicator is { Size: > 1 } world)
        {
            if (Backend is not null and not EngineBackend)
                throw new ArgumentException($"Training across processes (Communicator, {world.Size} processes) runs on the engine backend; the {Backend.Name} backend trains in one process. Remove the Communicator or the Backend.");
            if (DropOutliersAfterEpoch > 0)
                throw new ArgumentException("DropOutliersAfterEpoch needs every class centre in one process; it is not available when training across processes. Set it to 0 or train in one process.");
        }
        if (ImageShape is { } shape && (shape.Length != 3 || shape.Any(d => d < 1)))
            throw new ArgumentException($"ImageShape must be [channels, height, width] with positive sizes, got [{string.Join(", ", shape)}].");
    }
}
}

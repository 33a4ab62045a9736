using MLNetMarginLoss.Data;
using MLNetMarginLoss.Training;

namespace MLNetMarginLoss;

/// <summary>
/// Where <see cref="ArcFaceTrainer"/> runs its training loop. The default is <see cref="EngineBackend"/> (this
/// library's C# SIMD engine, the fastest on CPUs); the MLNetMarginLoss.TorchSharp package adds a TorchSharp backend
/// for GPUs. Every backend trains the same encoders and heads, with the same options meaning the same thing (one
/// training loop drives them all; a backend supplies the steps), and hands back engine weights under the same
/// state-dict names, so the trained transformer and its saved model are identical in kind whichever backend trained them.
/// </summary>
public abstract class TrainingBackend
{
    /// <summary>A short name for logs and model metadata ("engine", "torchsharp").</summary>
    public abstract string Name { get; }

    /// <summary>The device or kernels the backend runs on, for logs and model metadata.</summary>
    public virtual string Device => "cpu";

    /// <summary>Trains the network a validated job describes and returns its weights as engine objects.</summary>
    internal virtual TrainedNetwork Train(TrainingJob job) => TrainingLoop.Run(job, CreateSession);

    /// <summary>The backend's steps over the loop's engine objects.</summary>
    internal abstract TrainingSession CreateSession(TrainingSetup setup);

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Device})";
}

/// <summary>What a backend is asked to train: validated settings and the data already read into contiguous arrays.</summary>
/// <param name="Settings">The training settings (validated).</param>
/// <param name="Train">Training rows with labels; its feature shape is the encoder's input shape.</param>
/// <param name="Validation">Validation rows with the same shape and classes, or null.</param>
/// <param name="Cancellation">Stops training between batches.</param>
internal sealed record TrainingJob(TrainingSettings Settings, Dataset Train, Dataset? Validation, CancellationToken Cancellation);

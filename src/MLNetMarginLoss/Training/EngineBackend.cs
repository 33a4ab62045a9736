using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Training;

namespace MLNetMarginLoss;

/// <summary>
/// The default backend: this library's engine (explicit forward/backward layers over contiguous buffers, GEMM
/// through managed AVX-512/AVX2 kernels or OpenBLAS). Bit-identical results for a fixed seed and thread count.
/// Kernels and threads come from <see cref="ArcFaceTrainer.Options.GemmProvider"/> and
/// <see cref="ArcFaceTrainer.Options.Threads"/>.
/// </summary>
public sealed class EngineBackend : TrainingBackend
{
    /// <summary>The shared instance (the backend has no settings of its own).</summary>
    public static EngineBackend Instance { get; } = new();

    /// <inheritdoc />
    public override string Name => "engine";

    internal override TrainedNetwork Train(TrainingJob job)
    {
        using var context = ComputeContext.Create(job.Options.GemmProvider, job.Options.Threads);
        var run = new TrainingRun(job.Options, job.Train, job.Validation, context, job.Cancellation);
        var network = run.Execute();
        network.Encoder.Context = ComputeContext.Default;
        network.Head.Context = ComputeContext.Default;
        return network;
    }
}

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

    internal override TrainingSession CreateSession(TrainingSetup setup) => new EngineSession(setup);
}

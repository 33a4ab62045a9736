using MLNetMarginLoss.Engine.Kernels;

namespace MLNetMarginLoss.Engine;

/// <summary>
/// Where numeric kernels run: the GEMM implementation and the worker threads. Layers, heads and
/// optimizers take their kernels from here and never choose a backend themselves.
/// </summary>
public sealed class ComputeContext : IDisposable
{
    /// <summary>Environment variable that forces a GEMM provider: <c>openblas</c>, <c>managed</c> or <c>reference</c>.</summary>
    public const string ProviderVariable = "MLNET_MARGIN_GEMM";

    private static readonly Lazy<ComputeContext> LazyDefault = new(() => { var c = Create(); c._isDefault = true; return c; });
    private bool _isDefault;

    private ComputeContext(IGemm gemm, GemmProvider provider, WorkerPool pool)
    {
        Gemm = gemm;
        Provider = provider;
        Pool = pool;
    }

    /// <summary>A process-wide context: automatic provider, one thread per core.</summary>
    public static ComputeContext Default => LazyDefault.Value;

    /// <summary>The matrix-multiply implementation.</summary>
    internal IGemm Gemm { get; }

    /// <summary>The provider actually in use (never <see cref="GemmProvider.Auto"/>).</summary>
    public GemmProvider Provider { get; }

    /// <summary>Threads for element-wise and convolution kernels.</summary>
    internal WorkerPool Pool { get; }

    /// <summary>Number of threads kernels use.</summary>
    public int DegreeOfParallelism => Pool.DegreeOfParallelism;

    /// <summary>
    /// Creates a context. <paramref name="threads"/> ≤ 0 means one per core. With
    /// <see cref="GemmProvider.Auto"/>, the <see cref="ProviderVariable"/> environment variable is honoured first;
    /// otherwise the managed GEMM is used where its AVX-512 kernel runs (measured faster end to end than Debian's
    /// OpenBLAS 0.3.21, which falls back to its AVX2 kernel on recent AMD cores, and it lets convolutions run
    /// whole sample chunks per thread), then OpenBLAS when it loads, else the managed GEMM.
    /// </summary>
    public static ComputeContext Create(GemmProvider provider = GemmProvider.Auto, int threads = 0)
    {
        if (threads <= 0) threads = Environment.ProcessorCount;
        if (provider == GemmProvider.Auto) provider = ProviderFromEnvironment() ?? GemmProvider.Auto;
        var pool = new WorkerPool(threads);
        IGemm gemm;
        switch (provider)
        {
            case GemmProvider.OpenBlas:
                var blas = OpenBlasGemm.TryGet() ?? throw new InvalidOperationException(
                    "OpenBLAS was requested but could not be loaded; install libopenblas0-pthread (build/setup.sh does) or use the managed GEMM.");
                blas.SetThreads(threads);
                gemm = blas;
                break;
            case GemmProvider.Managed:
                gemm = new ManagedGemm(pool);
                break;
            case GemmProvider.Reference:
                gemm = ReferenceGemm.Instance;
                break;
            default:
                if (GemmKernelConfig.Avx512Tile14x32.IsSupported)
                {
                    gemm = new ManagedGemm(pool);
                    provider = GemmProvider.Managed;
                }
                else if (OpenBlasGemm.TryGet() is { } found)
                {
                    found.SetThreads(threads);
                    gemm = found;
                    provider = GemmProvider.OpenBlas;
                }
                else
                {
                    gemm = new ManagedGemm(pool);
                    provider = GemmProvider.Managed;
                }
                break;
        }
        return new ComputeContext(gemm, provider, pool);
    }

    private static GemmProvider? ProviderFromEnvironment()
    {
        var v = Environment.GetEnvironmentVariable(ProviderVariable);
        if (string.IsNullOrWhiteSpace(v)) return null;
        return v.Trim().ToLowerInvariant() switch
        {
            "openblas" or "blas" => GemmProvider.OpenBlas,
            "managed" => GemmProvider.Managed,
            "reference" => GemmProvider.Reference,
            "auto" => null,
            _ => throw new InvalidOperationException($"{ProviderVariable}='{v}' is not one of: auto, openblas, managed, reference."),
        };
    }

    /// <summary>Stops the worker threads (not needed for <see cref="Default"/>).</summary>
    public void Dispose()
    {
        if (!_isDefault) Pool.Dispose();
    }
}

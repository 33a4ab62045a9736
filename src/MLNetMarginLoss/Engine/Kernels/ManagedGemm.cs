namespace MLNetMarginLoss.Engine.Kernels;

/// <summary>
/// Managed GEMM. PLACEHOLDER: delegates to the reference loop until the SIMD kernel lands.
/// </summary>
public sealed class ManagedGemm : IGemm
{
    private readonly WorkerPool _pool;

    /// <summary>Creates a managed GEMM that parallelises over <paramref name="pool"/>.</summary>
    public ManagedGemm(WorkerPool pool) => _pool = pool;

    /// <inheritdoc />
    public string Name => "managed";

    /// <inheritdoc />
    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
        => ReferenceGemm.Instance.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

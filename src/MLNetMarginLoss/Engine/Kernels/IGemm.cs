namespace MLNetMarginLoss.Engine.Kernels;

/// <summary>
/// Single-precision general matrix multiply, row-major:
/// C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C, where op(X) is X or Xᵀ.
/// <c>lda</c>, <c>ldb</c>, <c>ldc</c> are the row strides of the
/// matrices as stored (before transposition), exactly as in CBLAS with <c>CblasRowMajor</c>.
/// This is the one seam every dense layer goes through; a GPU backend replaces the implementation.
/// </summary>
internal interface IGemm
{
    /// <summary>A short name for logs and benchmarks ("openblas", "managed", "reference").</summary>
    string Name { get; }

    /// <summary>Computes C = alpha·op(A)·op(B) + beta·C. With beta = 0, C's previous contents are ignored (NaN included).</summary>
    void Sgemm(bool transA, bool transB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda,
        ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc);
}

namespace MLNetMarginLoss.Engine.Kernels;

/// <summary>
/// The textbook triple loop, accumulated in double. Slow; it is the oracle the fast providers are tested against.
/// </summary>
internal sealed class ReferenceGemm : IGemm
{
    /// <summary>The shared instance.</summary>
    public static readonly ReferenceGemm Instance = new();

    /// <inheritdoc />
    public string Name => "reference";

    /// <inheritdoc />
    public void Sgemm(bool transA, bool transB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc)
    {
        GemmArguments.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            double s = 0;
            for (int p = 0; p < k; p++)
            {
                float av = transA ? a[p * lda + i] : a[i * lda + p];
                float bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                s += (double)av * bv;
            }
            float prev = beta == 0 ? 0 : beta * c[i * ldc + j];
            c[i * ldc + j] = (float)(alpha * s) + prev;
        }
    }
}

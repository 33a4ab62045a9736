namespace MLNetMarginLoss.Engine.Kernels;

/// <summary>Argument checks shared by every <see cref="IGemm"/> implementation.</summary>
internal static class GemmArguments
{
    /// <summary>Throws when a stride or buffer is too small for the requested product.</summary>
    public static void Validate(bool transA, bool transB, int m, int n, int k,
        int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentException($"GEMM dimensions must be non-negative (m={m}, n={n}, k={k}).");
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        Check("A", aRows, aCols, aLength, lda);
        Check("B", bRows, bCols, bLength, ldb);
        Check("C", m, n, cLength, ldc);
    }

    private static void Check(string name, int rows, int cols, int length, int ld)
    {
        if (rows == 0 || cols == 0) return;
        if (ld < cols) throw new ArgumentException($"GEMM: leading dimension of {name} ({ld}) is smaller than its column count ({cols}).");
        long needed = (long)(rows - 1) * ld + cols;
        if (length < needed) throw new ArgumentException($"GEMM: buffer {name} holds {length} floats, needs {needed}.");
    }
}

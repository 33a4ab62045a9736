namespace MLNetMarginLoss;

/// <summary>Which GEMM implementation to use.</summary>
public enum GemmProvider
{
    /// <summary>OpenBLAS when the native library loads, otherwise the managed SIMD GEMM.</summary>
    Auto,
    /// <summary>OpenBLAS <c>cblas_sgemm</c>; fails when the library cannot be loaded.</summary>
    OpenBlas,
    /// <summary>The managed SIMD GEMM (no native dependency).</summary>
    Managed,
    /// <summary>The naive reference loop (tests only; very slow).</summary>
    Reference,
}

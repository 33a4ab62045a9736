namespace MLNetMarginLoss.Benchmarks;

/// <summary>One GEMM problem: C[m×n] = op(A)[m×k]·op(B)[k×n].</summary>
public sealed record GemmShape(string Label, bool TransA, bool TransB, int M, int N, int K)
{
    /// <summary>
    /// The products of the seed tutorial's CNN (conv 1→32 3×3, conv 32→64 3×3, linear 9216→128) at batch 256:
    /// the convolutions as im2col GEMMs per sample, the linear layer's forward and both backward products.
    /// </summary>
    public static readonly GemmShape[] SeedCnnLayers =
    [
        new("conv1 im2col (per sample)", false, false, 32, 676, 9),
        new("conv2 im2col (per sample)", false, false, 64, 576, 288),
        new("linear fwd X·Wᵀ", false, true, 256, 128, 9216),
        new("linear dX = dY·W", false, false, 256, 9216, 128),
        new("linear dW = dYᵀ·X", true, false, 128, 9216, 256),
    ];

    /// <summary>Multiply-adds ×2.</summary>
    public double Flops => 2.0 * M * N * K;

    /// <inheritdoc />
    public override string ToString() => $"{Label} {M}x{N}x{K}{(TransA ? " Aᵀ" : "")}{(TransB ? " Bᵀ" : "")}";
}

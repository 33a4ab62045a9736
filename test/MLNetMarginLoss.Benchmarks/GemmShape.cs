namespace MLNetMarginLoss.Benchmarks;

/// <summary>One GEMM problem: C[m×n] = op(A)[m×k]·op(B)[k×n].</summary>
public sealed record GemmShape(string Label, string Description, bool TransA, bool TransB, int M, int N, int K)
{
    /// <summary>A square C = A·B.</summary>
    public static GemmShape Square(int size) => new($"sq{size}", $"square {size}", false, false, size, size, size);

    /// <summary>
    /// The products of the seed tutorial's CNN (conv 1→32 3×3, conv 32→64 3×3, linear 9216→128) at batch 256:
    /// the convolutions as im2col GEMMs per sample, the linear layer's forward and both backward products.
    /// </summary>
    public static readonly GemmShape[] SeedCnnLayers =
    [
        new("conv1", "conv1 im2col per sample W·cols", false, false, 32, 676, 9),
        new("conv2", "conv2 im2col per sample W·cols", false, false, 64, 576, 288),
        new("fc.fwd", "linear 9216→128 forward X·Wᵀ", false, true, 256, 128, 9216),
        new("fc.dX", "linear backward dX = dY·W", false, false, 256, 9216, 128),
        new("fc.dW", "linear backward dW = dYᵀ·X", true, false, 128, 9216, 256),
    ];

    /// <summary>Multiply-adds ×2.</summary>
    public double Flops => 2.0 * M * N * K;

    /// <summary>The description with the sizes and transposes, for tables.</summary>
    public string LongName => $"{Description} {M}x{N}x{K}{(TransA ? " Aᵀ" : "")}{(TransB ? " Bᵀ" : "")}";

    /// <summary>A short name (BenchmarkDotNet shows parameter values through it).</summary>
    public override string ToString() => $"{Label} {M}x{N}x{K}";
}

using System.Numerics.Tensors;

namespace MLNetMarginLoss.Engine.Kernels;

/// <summary>Row-wise kernels over row-major blocks: softmax, L2 normalisation, arg-max.</summary>
internal static class RowOps
{
    /// <summary>Replaces each row of <paramref name="block"/> (rows of <paramref name="width"/>) by its softmax.</summary>
    public static void SoftmaxInPlace(Span<float> block, int width)
    {
        for (int r = 0; r + width <= block.Length; r += width)
        {
            var row = block.Slice(r, width);
            TensorPrimitives.SoftMax(row, row);
        }
    }

    /// <summary>
    /// Scales each row to unit L2 norm. Rows with norm below <paramref name="epsilon"/> are divided by
    /// epsilon instead (as PyTorch's F.normalize), so a zero row stays zero rather than becoming NaN.
    /// </summary>
    public static void L2NormalizeInPlace(Span<float> block, int width, float epsilon = 1e-12f)
    {
        for (int r = 0; r + width <= block.Length; r += width)
        {
            var row = block.Slice(r, width);
            float norm = TensorPrimitives.Norm(row);
            TensorPrimitives.Multiply(row, 1f / MathF.Max(norm, epsilon), row);
        }
    }

    /// <summary>Index of the largest value of each row (first on ties).</summary>
    public static void ArgMax(ReadOnlySpan<float> block, int width, Span<int> result)
    {
        for (int i = 0; i < result.Length; i++) result[i] = TensorPrimitives.IndexOfMax(block.Slice(i * width, width));
    }
}

using System.Numerics.Tensors;

namespace MLNetMarginLoss.Embeddings;

/// <summary>
/// L2 normalisation of row-major embedding matrices (rows of <c>dimension</c> floats).
/// A row whose norm is zero (or not finite) is left as zeros, so its cosine similarity to anything is 0.
/// </summary>
public static class RowNormalization
{
    /// <summary>Scales every row of <paramref name="rows"/> in place to unit L2 norm.</summary>
    /// <param name="rows">Row-major matrix; its length must be a multiple of <paramref name="dimension"/>.</param>
    /// <param name="dimension">Floats per row.</param>
    public static void NormalizeInPlace(Span<float> rows, int dimension)
    {
        CheckShape(rows.Length, dimension, nameof(rows));
        for (int start = 0; start < rows.Length; start += dimension)
        {
            var row = rows.Slice(start, dimension);
            float norm = TensorPrimitives.Norm(row);
            if (norm > 0 && float.IsFinite(norm)) TensorPrimitives.Multiply(row, 1f / norm, row);
            else row.Clear();
        }
    }

    /// <summary>Returns an L2-normalised copy of <paramref name="rows"/>.</summary>
    public static float[] Normalize(ReadOnlySpan<float> rows, int dimension)
    {
        var copy = rows.ToArray();
        NormalizeInPlace(copy, dimension);
        return copy;
    }

    /// <summary>Throws when <paramref name="length"/> is not a whole number of rows of <paramref name="dimension"/>.</summary>
    internal static int CheckShape(int length, int dimension, string name)
    {
        if (dimension <= 0) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "The embedding dimension must be positive.");
        if (length % dimension != 0)
            throw new ArgumentException($"'{name}' holds {length} floats, which is not a whole number of rows of dimension {dimension}.", name);
        return length / dimension;
    }
}

namespace MLNetMarginLoss.Embeddings;

/// <summary>
/// L2 normalisation of row-major embedding matrices (rows of <c>dimension</c> floats), with the shape checks the
/// evaluators share. The arithmetic is <see cref="MLNetMarginLoss.Engine.Kernels.RowOps.L2NormalizeInPlace"/>: a zero
/// row stays zero, so its cosine similarity to anything is 0.
/// </summary>
internal static class RowNormalization
{
    /// <summary>Scales every row of <paramref name="rows"/> in place to unit L2 norm.</summary>
    /// <param name="rows">Row-major matrix; its length must be a multiple of <paramref name="dimension"/>.</param>
    /// <param name="dimension">Floats per row.</param>
    public static void NormalizeInPlace(Span<float> rows, int dimension)
    {
        CheckShape(rows.Length, dimension, nameof(rows));
        MLNetMarginLoss.Engine.Kernels.RowOps.L2NormalizeInPlace(rows, dimension);
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

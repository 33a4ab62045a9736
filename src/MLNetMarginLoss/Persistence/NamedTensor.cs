namespace MLNetMarginLoss.Persistence;

/// <summary>One stored float tensor: its name, its shape (outermost dimension first) and its values in row-major order.</summary>
/// <param name="Name">Unique name within the file (for example <c>encoder.0.weight</c>).</param>
/// <param name="Shape">Dimensions, outermost first; an empty shape is a scalar (one value).</param>
/// <param name="Data">The values; their count is the product of <paramref name="Shape"/>.</param>
internal sealed record NamedTensor(string Name, int[] Shape, float[] Data)
{
    /// <summary>The number of values the shape describes (1 for a scalar).</summary>
    public long ElementCount => Shape.Aggregate(1L, (p, d) => p * d);
}

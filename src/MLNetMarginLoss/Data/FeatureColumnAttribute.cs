namespace MLNetMarginLoss.Data;

/// <summary>
/// Marks a <c>float[]</c> (or <c>float</c>) field or property of a row class as features, the way ML.NET's
/// <c>VectorType</c>/<c>ColumnName("Features")</c> attributes do. Several feature members are concatenated in
/// declaration order (or by <see cref="Order"/>). <see cref="DatasetBuilder.FromRows{T}(IEnumerable{T}, IReadOnlyList{string}?)"/> reads it.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field, AllowMultiple = false)]
public sealed class FeatureColumnAttribute : Attribute
{
    /// <summary>A flat feature vector of <paramref name="size"/> floats (use 1 on a <c>float</c> member).</summary>
    public FeatureColumnAttribute(int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        Channels = size;
        Height = 1;
        Width = 1;
    }

    /// <summary>An image-shaped feature block of channels × height × width floats (CHW order).</summary>
    public FeatureColumnAttribute(int channels, int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        Channels = channels;
        Height = height;
        Width = width;
    }

    /// <summary>Channels (the vector length for a flat vector).</summary>
    public int Channels { get; }

    /// <summary>Height (1 for a flat vector).</summary>
    public int Height { get; }

    /// <summary>Width (1 for a flat vector).</summary>
    public int Width { get; }

    /// <summary>
    /// Position among several feature members (lower first; default 0). Members with equal order keep their
    /// declaration order, which reflection recovers for fields and auto-properties.
    /// </summary>
    public int Order { get; init; }

    /// <summary>Floats in the member.</summary>
    public int Size => Channels * Height * Width;
}

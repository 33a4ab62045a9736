using System.Text.Json.Serialization;

namespace MLNetMarginLoss.Engine;

/// <summary>
/// The shape of one sample: channels × height × width. A flat feature vector of length F is (F, 1, 1).
/// Batches are stored batch-major, so a tensor is N samples of <see cref="Size"/> floats each.
/// </summary>
public readonly record struct TensorShape(int Channels, int Height = 1, int Width = 1)
{
    /// <summary>Number of floats in one sample.</summary>
    [JsonIgnore]
    public int Size => Channels * Height * Width;

    /// <summary>True when the shape is a flat vector (height and width are 1).</summary>
    [JsonIgnore]
    public bool IsVector => Height == 1 && Width == 1;

    /// <summary>A flat vector shape of the given length.</summary>
    public static TensorShape Vector(int length) => new(length, 1, 1);

    /// <inheritdoc />
    public override string ToString() => IsVector ? $"[{Channels}]" : $"[{Channels}×{Height}×{Width}]";
}

using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Data;

/// <summary>
/// A small decoded image: channels × height × width floats in CHW order (plane after plane), usually in [0, 1].
/// Decoders produce it, <see cref="ImageTransforms"/> work on it, and a dataset row is its <see cref="Data"/>.
/// </summary>
internal sealed class Image
{
    /// <summary>Creates an image; <paramref name="data"/> (CHW, channels·height·width floats) is used as is, or a zeroed buffer is made.</summary>
    public Image(int channels, int height, int width, float[]? data = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        long size = (long)channels * height * width;
        if (size > Array.MaxLength) throw new ArgumentException($"An image of {channels}×{height}×{width} is too large.");
        data ??= new float[size];
        if (data.Length != size) throw new ArgumentException($"A {channels}×{height}×{width} image needs {size} values, found {data.Length}.", nameof(data));
        Channels = channels;
        Height = height;
        Width = width;
        Data = data;
    }

    /// <summary>Number of channels (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA).</summary>
    public int Channels { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>The pixel values, CHW.</summary>
    public float[] Data { get; }

    /// <summary>The sample shape (C, H, W) of this image as a dataset row.</summary>
    public TensorShape Shape => new(Channels, Height, Width);

    /// <summary>The value of channel <paramref name="c"/> at row <paramref name="y"/>, column <paramref name="x"/>.</summary>
    public float this[int c, int y, int x]
    {
        get => Data[(c * Height + y) * Width + x];
        set => Data[(c * Height + y) * Width + x] = value;
    }

    /// <summary>One channel's plane (height × width values, row-major).</summary>
    public Span<float> Plane(int c) => Data.AsSpan(c * Height * Width, Height * Width);

    /// <summary>A deep copy.</summary>
    public Image Clone() => new(Channels, Height, Width, (float[])Data.Clone());

    /// <inheritdoc />
    public override string ToString() => $"Image {Channels}×{Height}×{Width}";
}

using System.Buffers;
using MLNetMarginLoss.Data;
using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss;

/// <summary>
/// Training-time image augmentation that ML.NET's image transforms lack, applied in place to one sample: a planar
/// [C, H, W] float tensor (as ExtractPixels with <c>interleavePixelColors: false</c> or
/// <see cref="InMemoryDataView"/> give it) with values in [0, 1].
/// </summary>
/// <remarks>
/// <para>Steps, in this order, each only when enabled: histogram equalisation (<see cref="EqualizeHistogram"/>),
/// a random rotation (<see cref="MaxRotationDegrees"/>), a random crop of the zero-padded image back to the same size
/// (<see cref="CropPadding"/>) and a random horizontal flip (<see cref="HorizontalFlipProbability"/>). This is the
/// recipe of a typical chest x-ray fine-tuning run (equalise, ±10° rotation, pad-4 crop, flip).</para>
/// <para>The random numbers come from the caller's seeded source, so a run is reproducible: each enabled random step
/// draws a fixed number of values (rotation 1, crop 2, flip 1), whatever the outcome.</para>
/// <para>Equalisation is deterministic: when a model is trained with it, apply it to evaluation and inference images too
/// (an instance with only <see cref="EqualizeHistogram"/> set does exactly that).</para>
/// </remarks>
public sealed class ImageAugmentation
{
    private readonly double _flip;
    private readonly int _padding;
    private readonly double _rotation;

    /// <summary>Probability of mirroring the sample left-right; 0 (the default) never flips.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside [0, 1].</exception>
    public double HorizontalFlipProbability
    {
        get => _flip;
        init => _flip = value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(HorizontalFlipProbability), value, "A probability must be in [0, 1].");
    }

    /// <summary>
    /// Pad each side with this many zero pixels and cut a window of the original size at a uniformly random offset
    /// (torchvision's <c>RandomCrop(size, padding)</c>); 0 (the default) disables the step.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative.</exception>
    public int CropPadding
    {
        get => _padding;
        init => _padding = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(CropPadding), value, "Padding must not be negative.");
    }

    /// <summary>
    /// Rotate by an angle drawn uniformly from [−max, max] degrees about the image centre, bilinear, zero outside
    /// (<see cref="ImageTransforms.Rotate"/>); 0 (the default) disables the step.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative, not finite, or above 180.</exception>
    public double MaxRotationDegrees
    {
        get => _rotation;
        init => _rotation = value is >= 0 and <= 180 ? value : throw new ArgumentOutOfRangeException(nameof(MaxRotationDegrees), value, "The rotation range must be in [0, 180] degrees.");
    }

    /// <summary>
    /// Equalise each channel's histogram (PIL's <c>ImageOps.equalize</c>, <see cref="ImageTransforms.EqualizeHistogram"/>):
    /// values are quantised to 256 levels and spread so their histogram is as flat as possible, back in [0, 1].
    /// </summary>
    public bool EqualizeHistogram { get; init; }

    /// <summary>True when no step is enabled, so <see cref="Apply(Span{float}, int, int, int, SeededRandom)"/> leaves samples unchanged.</summary>
    public bool IsIdentity => _flip == 0 && _padding == 0 && _rotation == 0 && !EqualizeHistogram;

    /// <summary>Augments one [C, H, W] sample in place, drawing random numbers from <paramref name="random"/>.</summary>
    /// <exception cref="ArgumentException">The sample does not hold channels × height × width values.</exception>
    public void Apply(Span<float> sample, int channels, int height, int width, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        Apply(sample, channels, height, width, random.NextDouble);
    }

    /// <summary>Augments one [C, H, W] sample in place, drawing random numbers from <paramref name="random"/>.</summary>
    /// <exception cref="ArgumentException">The sample does not hold channels × height × width values.</exception>
    public void Apply(Span<float> sample, int channels, int height, int width, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        Apply(sample, channels, height, width, random.NextDouble);
    }

    private void Apply(Span<float> sample, int channels, int height, int width, Func<double> next)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        if ((long)channels * height * width != sample.Length)
            throw new ArgumentException($"A [{channels}, {height}, {width}] sample has {(long)channels * height * width} values, found {sample.Length}.", nameof(sample));

        if (EqualizeHistogram)
            ImageTransforms.EqualizeHistogram(new Image(channels, height, width, sample.ToArray())).Data.CopyTo(sample);
        if (_rotation > 0)
        {
            double degrees = (2 * next() - 1) * _rotation;
            ImageTransforms.Rotate(new Image(channels, height, width, sample.ToArray()), degrees).Data.CopyTo(sample);
        }
        if (_padding > 0)
        {
            int top = DrawInt(next, 2 * _padding + 1) - _padding;
            int left = DrawInt(next, 2 * _padding + 1) - _padding;
            Shift(sample, channels, height, width, top, left);
        }
        if (_flip > 0 && next() < _flip)
            FlipHorizontally(sample, channels, height, width);
    }

    /// <summary>Mirrors every row of every channel in place.</summary>
    internal static void FlipHorizontally(Span<float> sample, int channels, int height, int width)
    {
        for (int row = 0; row < channels * height; row++) sample.Slice(row * width, width).Reverse();
    }

    /// <summary>
    /// Replaces the sample by the window whose top-left corner is at (<paramref name="top"/>, <paramref name="left"/>)
    /// of the zero-extended image: out[y, x] = in[y + top, x + left], or 0 outside.
    /// </summary>
    internal static void Shift(Span<float> sample, int channels, int height, int width, int top, int left)
    {
        if (top == 0 && left == 0) return;
        float[] copy = ArrayPool<float>.Shared.Rent(sample.Length);
        try
        {
            var source = copy.AsSpan(0, sample.Length);
            sample.CopyTo(source);
            sample.Clear();
            int x0 = Math.Max(0, -left), x1 = Math.Min(width, width - left);
            if (x1 <= x0) return;
            for (int c = 0; c < channels; c++)
                for (int y = Math.Max(0, -top); y < Math.Min(height, height - top); y++)
                    source.Slice((c * height + y + top) * width + x0 + left, x1 - x0).CopyTo(sample.Slice((c * height + y) * width + x0, x1 - x0));
        }
        finally
        {
            ArrayPool<float>.Shared.Return(copy);
        }
    }

    private static int DrawInt(Func<double> next, int count) => Math.Min(count - 1, (int)(next() * count));
}

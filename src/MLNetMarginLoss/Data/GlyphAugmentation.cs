namespace MLNetMarginLoss;

/// <summary>
/// The random changes a rendered glyph image goes through (<see cref="GlyphImages.Render"/>): a small rotation, a
/// change of size, a heavier stroke, a blur and an offset, each drawn uniformly from its range for every image.
/// Lengths are fractions of the image side, so a 48 × 48 image gets the same look as a 32 × 32 one.
/// </summary>
/// <remarks>
/// Each image draws six numbers from its own seeded generator, in this order: rotation, scale, stroke width, blur,
/// horizontal and vertical offset (whether or not a range is zero), so that every image is reproducible on its own.
/// </remarks>
public sealed class GlyphAugmentation
{
    private readonly double _rotation = 6, _scale = 0.08, _stroke = 0.02, _blur = 0.02, _offset = 0.05;

    /// <summary>No change: every image of a character in a face is the same, centred, at the nominal size.</summary>
    public static GlyphAugmentation None { get; } = new() { MaxRotationDegrees = 0, MaxScaleChange = 0, MaxStrokeWidth = 0, MaxBlur = 0, MaxOffset = 0 };

    /// <summary>Rotation about the glyph's centre, uniform in [−max, max] degrees. Default 6.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside [0, 45].</exception>
    public double MaxRotationDegrees { get => _rotation; init => _rotation = Check(value, 45, nameof(MaxRotationDegrees)); }

    /// <summary>Relative change of the glyph's size, uniform in [1 − max, 1 + max]. Default 0.08.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside [0, 0.5].</exception>
    public double MaxScaleChange { get => _scale; init => _scale = Check(value, 0.5, nameof(MaxScaleChange)); }

    /// <summary>
    /// An outline stroke drawn on top of the filled glyph, its width uniform in [0, max] × the image side: the strokes
    /// get up to that much heavier (half of it on each side). Default 0.02 (up to 0.64 pixel at 32 × 32).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside [0, 0.2].</exception>
    public double MaxStrokeWidth { get => _stroke; init => _stroke = Check(value, 0.2, nameof(MaxStrokeWidth)); }

    /// <summary>Gaussian blur, its sigma uniform in [0, max] × the image side. Default 0.02 (up to 0.64 pixel at 32 × 32).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside [0, 0.2].</exception>
    public double MaxBlur { get => _blur; init => _blur = Check(value, 0.2, nameof(MaxBlur)); }

    /// <summary>Shift of the glyph's centre from the image centre, uniform in [−max, max] × the image side on each axis. Default 0.05 (±1.6 pixels at 32 × 32).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Outside [0, 0.25].</exception>
    public double MaxOffset { get => _offset; init => _offset = Check(value, 0.25, nameof(MaxOffset)); }

    /// <inheritdoc />
    public override string ToString() =>
        $"rotation ±{_rotation:G3}°, scale ±{_scale:P0}, stroke 0–{_stroke:G3}, blur σ 0–{_blur:G3}, offset ±{_offset:G3} (of the image side)";

    private static double Check(double value, double max, string name) =>
        value >= 0 && value <= max ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [0, {max}].");
}

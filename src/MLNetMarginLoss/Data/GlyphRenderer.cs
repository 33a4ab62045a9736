using System.Text;
using MLNetMarginLoss.Engine;
using SkiaSharp;

namespace MLNetMarginLoss;

/// <summary>
/// Draws one character of one typeface into a square grey image: the glyph's outline (taken from the face itself,
/// never from a fallback font) centred on its ink, at <see cref="EmFraction"/> of the image side per em, white
/// (1) on black (0), antialiased, with a <see cref="GlyphAugmentation"/> applied. Not thread-safe: one renderer per
/// thread and face.
/// </summary>
internal sealed class GlyphRenderer : IDisposable
{
    /// <summary>The em size as a fraction of the image side (before the augmentation's scale).</summary>
    public const float EmFraction = 0.85f;

    private readonly SKTypeface _typeface;
    private readonly SKFont _font;
    private readonly SKBitmap _bitmap;
    private readonly SKCanvas _canvas;
    private readonly SKPaint _paint = new() { Color = SKColors.White, IsAntialias = true };
    private readonly int _size;

    /// <summary>A renderer of <paramref name="typeface"/> (not owned) into <paramref name="size"/> × <paramref name="size"/> images.</summary>
    public GlyphRenderer(SKTypeface typeface, int size)
    {
        _typeface = typeface;
        _size = size;
        _font = new SKFont(typeface, EmFraction * size);
        _bitmap = new SKBitmap(new SKImageInfo(size, size, SKColorType.Alpha8, SKAlphaType.Premul));
        _canvas = new SKCanvas(_bitmap);
    }

    /// <summary>
    /// The face's glyph for <paramref name="character"/> (one Unicode scalar value), or 0 when the face has none or its
    /// glyph draws nothing (a font's .notdef box is glyph 0, so this never renders "tofu").
    /// </summary>
    /// <exception cref="ArgumentException">The string is not exactly one Unicode scalar value.</exception>
    public static ushort GlyphId(SKTypeface typeface, SKFont font, string character)
    {
        ArgumentNullException.ThrowIfNull(character);
        if (Rune.DecodeFromUtf16(character, out var rune, out int used) != System.Buffers.OperationStatus.Done || used != character.Length)
            throw new ArgumentException($"'{character}' is not a single character (one Unicode scalar value).", nameof(character));
        ushort id = typeface.GetGlyph(rune.Value);
        if (id == 0) return 0;
        using var path = font.GetGlyphPath(id);
        return path is null || path.IsEmpty ? (ushort)0 : id;
    }

    /// <summary>The glyph of <paramref name="character"/> in this renderer's face, or 0 (see <see cref="GlyphId(SKTypeface, SKFont, string)"/>).</summary>
    public ushort GlyphId(string character) => GlyphId(_typeface, _font, character);

    /// <summary>Renders glyph <paramref name="glyph"/> into <paramref name="destination"/> (size × size values in [0, 1], row-major).</summary>
    public void Render(ushort glyph, GlyphAugmentation augmentation, SeededRandom random, Span<float> destination)
    {
        // Six draws per image, always in this order (see GlyphAugmentation).
        double angle = Uniform(random, augmentation.MaxRotationDegrees);
        double scale = 1 + Uniform(random, augmentation.MaxScaleChange);
        double stroke = random.NextDouble() * augmentation.MaxStrokeWidth * _size;
        double blur = random.NextDouble() * augmentation.MaxBlur * _size;
        double dx = Uniform(random, augmentation.MaxOffset) * _size;
        double dy = Uniform(random, augmentation.MaxOffset) * _size;

        using var path = _font.GetGlyphPath(glyph);
        var bounds = path.TightBounds;
        var matrix = SKMatrix.CreateTranslation(-bounds.MidX, -bounds.MidY)
            .PostConcat(SKMatrix.CreateScale((float)scale, (float)scale))
            .PostConcat(SKMatrix.CreateRotationDegrees((float)angle))
            .PostConcat(SKMatrix.CreateTranslation((float)(_size / 2.0 + dx), (float)(_size / 2.0 + dy)));
        path.Transform(matrix);

        _paint.Style = stroke > 0 ? SKPaintStyle.StrokeAndFill : SKPaintStyle.Fill;
        _paint.StrokeWidth = (float)stroke;
        using var blurFilter = blur > 0 ? SKMaskFilter.CreateBlur(SKBlurStyle.Normal, (float)blur) : null;
        _paint.MaskFilter = blurFilter;
        _canvas.Clear(SKColors.Transparent);
        _canvas.DrawPath(path, _paint);
        _canvas.Flush();
        _paint.MaskFilter = null;

        var pixels = _bitmap.GetPixelSpan();
        int stride = _bitmap.RowBytes;
        for (int y = 0; y < _size; y++)
            for (int x = 0; x < _size; x++)
                destination[y * _size + x] = pixels[y * stride + x] / 255f;
    }

    private static double Uniform(SeededRandom random, double max) => (2 * random.NextDouble() - 1) * max;

    public void Dispose()
    {
        _canvas.Dispose();
        _bitmap.Dispose();
        _paint.Dispose();
        _font.Dispose();
    }
}

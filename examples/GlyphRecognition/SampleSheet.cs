using MLNetMarginLoss;
using SkiaSharp;

namespace Examples;

/// <summary>A contact sheet of glyph images: one row per character, one column per face.</summary>
internal static class SampleSheet
{
    /// <summary>Writes the first <paramref name="characters"/> characters of <paramref name="images"/> in every face as a grey PNG (2× enlarged).</summary>
    public static void Save(string path, GlyphImages images, int characters)
    {
        int s = images.ImageSize, zoom = 2, gap = 2;
        int cell = s * zoom + gap;
        using var bitmap = new SKBitmap(images.Faces.Count * cell, characters * cell, SKColorType.Gray8, SKAlphaType.Opaque);
        bitmap.Erase(new SKColor(96, 96, 96));
        var pixels = bitmap.GetPixelSpan();
        for (int r = 0; r < images.RowCount; r++)
        {
            int c = images.CharacterIndices[r], f = images.FaceIndices[r];
            if (c >= characters || images.VariantIndices[r] != 0) continue;
            var image = images.Image(r);
            for (int y = 0; y < s * zoom; y++)
                for (int x = 0; x < s * zoom; x++)
                    pixels[(c * cell + y) * bitmap.RowBytes + f * cell + x] = (byte)(255 * image[y / zoom * s + x / zoom]);
        }
        using var file = File.Create(path);
        bitmap.Encode(SKEncodedImageFormat.Png, 100).SaveTo(file);
    }
}

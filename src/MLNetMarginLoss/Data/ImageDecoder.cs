namespace MLNetMarginLoss.Data;

/// <summary>Decodes an image file by its content (PNG or JPEG magic bytes), whatever its extension.</summary>
public static class ImageDecoder
{
    /// <summary>File extensions treated as images when scanning folders.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".png", ".jpg", ".jpeg"];

    /// <summary>Decodes the image at <paramref name="path"/>.</summary>
    /// <exception cref="DataFormatException">The file cannot be read or is not a valid PNG/JPEG; the message names the path.</exception>
    public static Image Load(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException(path, $"the image cannot be read: {e.Message}", e);
        }
        return Decode(bytes, path);
    }

    /// <summary>Decodes image bytes; <paramref name="source"/> names them in error messages.</summary>
    /// <exception cref="DataFormatException">The bytes are not a valid PNG/JPEG.</exception>
    public static Image Decode(byte[] bytes, string source)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (PngDecoder.IsPng(bytes)) return PngDecoder.Decode(bytes, source);
        if (JpegDecoder.IsJpeg(bytes)) return JpegDecoder.Decode(bytes, source);
        throw new DataFormatException(source, bytes.Length == 0
            ? "the image file is empty."
            : $"is not a PNG or JPEG image (first bytes {Convert.ToHexString(bytes.AsSpan(0, Math.Min(8, bytes.Length)))}).");
    }
}

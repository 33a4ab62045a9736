using MLNetMarginLoss.Data;
using SkiaSharp;

namespace MLNetMarginLoss;

/// <summary>
/// One typeface that glyph images are rendered in: a font file (a single font, or a collection such as a Noto CJK
/// <c>.ttc</c> that holds several faces), the face's index in it, the family name the face must report, and the Debian
/// package that installs the file. <see cref="GlyphFaces"/> lists the faces the glyph data set uses.
/// </summary>
/// <param name="Name">A short, unique name for the face (e.g. "Noto Sans CJK SC Bold"); it names the face in views, tables and PNG files.</param>
/// <param name="Family">The family name the face reports (e.g. "Noto Sans CJK SC"), checked when it is opened so that a wrong collection index is caught.</param>
/// <param name="FilePath">The font file.</param>
/// <param name="Index">The face's index in the file (0 for a single-font file).</param>
/// <param name="Package">The Debian package that installs the file, named in the error when it is missing.</param>
public sealed record GlyphFace(string Name, string Family, string FilePath, int Index, string Package)
{
    /// <summary>
    /// Opens the face. The caller disposes the typeface.
    /// </summary>
    /// <exception cref="DataFormatException">The file is not installed (the message names the package that installs it), the
    /// file holds no face at <see cref="Index"/>, or the face there is not of family <see cref="Family"/>.</exception>
    public SKTypeface Open()
    {
        if (!File.Exists(FilePath))
            throw new DataFormatException(FilePath, $"font '{Name}' is not installed; install the Debian package {Package} (build/setup.sh does).");
        var typeface = SKTypeface.FromFile(FilePath, Index)
            ?? throw new DataFormatException(FilePath, $"font '{Name}': the file holds no face at index {Index}; reinstall the Debian package {Package}.");
        if (!string.Equals(typeface.FamilyName, Family, StringComparison.Ordinal))
        {
            string found = typeface.FamilyName;
            typeface.Dispose();
            throw new DataFormatException(FilePath, $"font '{Name}': face {Index} is family '{found}', expected '{Family}'; the file is not the one the Debian package {Package} installs.");
        }
        return typeface;
    }

    /// <summary>The characters of <paramref name="characters"/> that this face has no glyph for (an empty list when it has them all).</summary>
    /// <exception cref="DataFormatException">See <see cref="Open"/>.</exception>
    public IReadOnlyList<string> MissingGlyphs(IEnumerable<string> characters)
    {
        ArgumentNullException.ThrowIfNull(characters);
        using var typeface = Open();
        using var font = new SKFont(typeface, 32);
        return [.. characters.Where(c => GlyphRenderer.GlyphId(typeface, font, c) == 0)];
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}

using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Data;
using MLNetMarginLoss.Engine;
using SkiaSharp;

namespace MLNetMarginLoss;

/// <summary>
/// Images of characters rendered in system typefaces (<see cref="GlyphFaces"/>, <see cref="GlyphCharacters"/>), a data
/// source with thousands of classes: a character is a class (an identity) and a typeface a "camera" or "writer", as in
/// face-recognition and Omniglot benchmarks. <see cref="Render"/> draws every character in every face a number of times
/// with random augmentation; <see cref="ToDataView"/> serves any subset of characters and faces as an ML.NET
/// <see cref="IDataView"/>, and <see cref="SavePng"/> writes them as class folders.
/// </summary>
/// <remarks>
/// <para>Rows are ordered by character (in the order given), then face (in the order given), then variant. An image
/// depends only on the seed, the character, the face's name and the variant number, not on the other characters or
/// faces rendered with it, nor on the number of threads: rendering a subset gives the same images as rendering the
/// whole set and picking the subset.</para>
/// <para>A character is drawn only in faces that have a glyph for it; the missing pairs are an error unless
/// <c>skipMissingGlyphs</c> is set, and are listed in <see cref="MissingGlyphs"/>.</para>
/// </remarks>
public sealed class GlyphImages
{
    /// <summary>The name of the feature column: <c>Vector&lt;Single, 1, size, size&gt;</c>, ink 1 on background 0.</summary>
    public const string FeatureColumnName = InMemoryDataView.DefaultFeatureColumnName;

    /// <summary>The name of the label column: a key over the characters, with the characters as its key values.</summary>
    public const string LabelColumnName = InMemoryDataView.DefaultLabelColumnName;

    /// <summary>The name of the face column: a key over <see cref="Faces"/>, with the faces' names as its key values.</summary>
    public const string FaceColumnName = "Face";

    private readonly float[] _pixels;
    private readonly int[] _character;
    private readonly int[] _face;
    private readonly int[] _variant;

    private GlyphImages(IReadOnlyList<string> characters, IReadOnlyList<GlyphFace> faces, int size, float[] pixels,
        int[] character, int[] face, int[] variant, IReadOnlyList<(string, string)> missing)
    {
        Characters = characters;
        Faces = faces;
        ImageSize = size;
        _pixels = pixels;
        _character = character;
        _face = face;
        _variant = variant;
        MissingGlyphs = missing;
    }

    /// <summary>The characters, class index = position.</summary>
    public IReadOnlyList<string> Characters { get; }

    /// <summary>The faces, face index = position.</summary>
    public IReadOnlyList<GlyphFace> Faces { get; }

    /// <summary>The side of the square images, in pixels.</summary>
    public int ImageSize { get; }

    /// <summary>Number of images.</summary>
    public int RowCount => _character.Length;

    /// <summary>The (character, face name) pairs that were not drawn because the face has no glyph for the character.</summary>
    public IReadOnlyList<(string Character, string Face)> MissingGlyphs { get; }

    /// <summary>The character index (into <see cref="Characters"/>) of each row.</summary>
    public IReadOnlyList<int> CharacterIndices => _character;

    /// <summary>The face index (into <see cref="Faces"/>) of each row.</summary>
    public IReadOnlyList<int> FaceIndices => _face;

    /// <summary>The variant number (0 … variants − 1) of each row.</summary>
    public IReadOnlyList<int> VariantIndices => _variant;

    /// <summary>The pixels of row <paramref name="row"/>: size × size values in [0, 1], row-major.</summary>
    public ReadOnlySpan<float> Image(int row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, RowCount);
        int n = ImageSize * ImageSize;
        return _pixels.AsSpan(row * n, n);
    }

    /// <summary>
    /// Renders <paramref name="variants"/> images of every character in every face, on all cores.
    /// </summary>
    /// <param name="characters">The characters, each one Unicode scalar value, none twice (e.g. <see cref="GlyphCharacters.Gb2312Level1"/>).</param>
    /// <param name="faces">The faces, no name twice (e.g. <see cref="GlyphFaces.Standard"/>).</param>
    /// <param name="variants">Images per character and face, each with its own augmentation. Default 1.</param>
    /// <param name="augmentation">The random changes; default a new <see cref="GlyphAugmentation"/> (its documented defaults); <see cref="GlyphAugmentation.None"/> for clean renders.</param>
    /// <param name="imageSize">Side of the square images in pixels, 16 … 256. Default 32.</param>
    /// <param name="seed">Seed of the augmentation. Default 0.</param>
    /// <param name="skipMissingGlyphs">
    /// Leave out (character, face) pairs the face has no glyph for, listing them in <see cref="MissingGlyphs"/>; when
    /// false (the default) such a pair is an error. A character that no face has is an error either way.
    /// </param>
    /// <exception cref="ArgumentException">A list is empty or repeats an entry, a character is not one scalar value, a glyph is missing (see <paramref name="skipMissingGlyphs"/>), or a number is out of range.</exception>
    /// <exception cref="DataFormatException">A font is not installed (the message names the Debian package) or is not the expected face.</exception>
    public static GlyphImages Render(IReadOnlyList<string> characters, IReadOnlyList<GlyphFace> faces, int variants = 1,
        GlyphAugmentation? augmentation = null, int imageSize = 32, long seed = 0, bool skipMissingGlyphs = false)
    {
        ArgumentNullException.ThrowIfNull(characters);
        ArgumentNullException.ThrowIfNull(faces);
        if (characters.Count == 0) throw new ArgumentException("No characters to render.", nameof(characters));
        if (faces.Count == 0) throw new ArgumentException("No faces to render in.", nameof(faces));
        if (characters.Distinct(StringComparer.Ordinal).Count() != characters.Count)
            throw new ArgumentException($"Character '{characters.GroupBy(c => c, StringComparer.Ordinal).First(g => g.Count() > 1).Key}' is listed twice.", nameof(characters));
        if (faces.Select(f => f.Name).Distinct(StringComparer.Ordinal).Count() != faces.Count)
            throw new ArgumentException($"Face '{faces.GroupBy(f => f.Name, StringComparer.Ordinal).First(g => g.Count() > 1).Key}' is listed twice.", nameof(faces));
        if (variants < 1) throw new ArgumentOutOfRangeException(nameof(variants), variants, "At least one image per character and face.");
        if (imageSize is < 16 or > 256) throw new ArgumentOutOfRangeException(nameof(imageSize), imageSize, "The image side must be 16 … 256 pixels.");
        augmentation ??= new GlyphAugmentation();

        // Open every face and look every glyph up first: a missing font or glyph fails before any drawing.
        var typefaces = new SKTypeface[faces.Count];
        try
        {
            var glyphs = new ushort[faces.Count, characters.Count];
            var missing = new List<(string, string)>();
            for (int f = 0; f < faces.Count; f++)
            {
                typefaces[f] = faces[f].Open();
                using var font = new SKFont(typefaces[f], GlyphRenderer.EmFraction * imageSize);
                for (int c = 0; c < characters.Count; c++)
                {
                    glyphs[f, c] = GlyphRenderer.GlyphId(typefaces[f], font, characters[c]);
                    if (glyphs[f, c] != 0) continue;
                    if (!skipMissingGlyphs)
                        throw new ArgumentException($"Face '{faces[f].Name}' ({faces[f].FilePath}) has no glyph for '{characters[c]}' (U+{char.ConvertToUtf32(characters[c], 0):X4}); remove the character, use faces that have it, or pass skipMissingGlyphs: true to leave such pairs out.", nameof(characters));
                    missing.Add((characters[c], faces[f].Name));
                }
            }
            for (int c = 0; c < characters.Count; c++)
            {
                bool any = false;
                for (int f = 0; f < faces.Count && !any; f++) any = glyphs[f, c] != 0;
                if (!any)
                    throw new ArgumentException($"No face has a glyph for '{characters[c]}' (U+{char.ConvertToUtf32(characters[c], 0):X4}); remove it from the characters.", nameof(characters));
            }

            // Row layout: character-major, then face, then variant.
            var rowCharacter = new List<int>();
            var rowFace = new List<int>();
            var rowVariant = new List<int>();
            for (int c = 0; c < characters.Count; c++)
                for (int f = 0; f < faces.Count; f++)
                    if (glyphs[f, c] != 0)
                        for (int v = 0; v < variants; v++) { rowCharacter.Add(c); rowFace.Add(f); rowVariant.Add(v); }
            int rows = rowCharacter.Count, pixelsPerImage = imageSize * imageSize;
            var pixels = new float[(long)rows * pixelsPerImage];
            var faceKeys = faces.Select(f => StableHash(f.Name)).ToArray();

            // One work item per face and block of rows; each image has its own generator, so the order does not matter.
            var work = Enumerable.Range(0, rows).GroupBy(r => (rowFace[r], r / 2048)).Select(g => g.ToArray()).ToArray();
            Parallel.ForEach(work, block =>
            {
                int f = rowFace[block[0]];
                using var renderer = new GlyphRenderer(typefaces[f], imageSize);
                foreach (int r in block)
                {
                    int c = rowCharacter[r];
                    var random = new SeededRandom(ImageSeed(seed, char.ConvertToUtf32(characters[c], 0), faceKeys[f], rowVariant[r]));
                    renderer.Render(glyphs[f, c], augmentation, random, pixels.AsSpan(r * pixelsPerImage, pixelsPerImage));
                }
            });
            return new GlyphImages([.. characters], [.. faces], imageSize, pixels, [.. rowCharacter], [.. rowFace], [.. rowVariant], missing);
        }
        finally
        {
            foreach (var t in typefaces) t?.Dispose();
        }
    }

    /// <summary>
    /// The images of some characters in some faces as an ML.NET view with columns <c>Features</c>
    /// (<c>Vector&lt;Single, 1, size, size&gt;</c>), <c>Label</c> (a key over <paramref name="characters"/> in the order
    /// given, the characters as key values) and <c>Face</c> (a key over all of <see cref="Faces"/>, their names as key
    /// values). Rows keep this set's order. The pixels are not copied.
    /// </summary>
    /// <param name="characters">The characters to serve, which become the label's classes; all of <see cref="Characters"/> when null.</param>
    /// <param name="faces">Names of the faces to serve; all when null.</param>
    /// <exception cref="ArgumentException">A character or face is not in this set, or is listed twice, or a character has no image in the faces chosen.</exception>
    public IDataView ToDataView(IEnumerable<string>? characters = null, IEnumerable<string>? faces = null)
    {
        string[] classes = characters is null ? [.. Characters] : [.. characters];
        var classOf = new int[Characters.Count];
        Array.Fill(classOf, -1);
        for (int i = 0; i < classes.Length; i++)
        {
            int c = IndexOf(Characters, classes[i], "character");
            if (classOf[c] >= 0) throw new ArgumentException($"Character '{classes[i]}' is listed twice.", nameof(characters));
            classOf[c] = i;
        }
        var faceSelected = new bool[Faces.Count];
        if (faces is null) Array.Fill(faceSelected, true);
        else foreach (var name in faces) faceSelected[IndexOf(Faces.Select(f => f.Name).ToList(), name, "face")] = true;

        int[] rows = [.. Enumerable.Range(0, RowCount).Where(r => classOf[_character[r]] >= 0 && faceSelected[_face[r]])];
        var counts = new int[classes.Length];
        foreach (int r in rows) counts[classOf[_character[r]]]++;
        int empty = Array.IndexOf(counts, 0);
        if (empty >= 0)
            throw new ArgumentException($"Character '{classes[empty]}' has no image in the faces chosen; leave it out of the characters.", nameof(characters));

        int n = ImageSize * ImageSize;
        var pixels = _pixels;
        return new ColumnarDataView(rows.Length,
            new ColumnarDataView.ColumnSource<VBuffer<float>>(FeatureColumnName, new VectorDataViewType(NumberDataViewType.Single, 1, ImageSize, ImageSize),
                (int row, ref VBuffer<float> value) =>
                {
                    var editor = VBufferEditor.Create(ref value, n);
                    pixels.AsSpan(rows[row] * n, n).CopyTo(editor.Values);
                    value = editor.Commit();
                }),
            InMemoryDataView.LabelColumn(LabelColumnName, classes, (int row, ref uint key) => key = (uint)classOf[_character[rows[row]]] + 1),
            InMemoryDataView.LabelColumn(FaceColumnName, [.. Faces.Select(f => f.Name)], (int row, ref uint key) => key = (uint)_face[rows[row]] + 1));
    }

    /// <summary>
    /// Writes every image as an 8-bit grey PNG into class folders, <c>directory/&lt;character&gt;/&lt;face&gt; &lt;variant&gt;.png</c>,
    /// the layout <see cref="ImageFolder.Load"/> reads (class names are then the characters).
    /// </summary>
    /// <returns>The number of files written.</returns>
    public int SavePng(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var bytes = new byte[ImageSize * ImageSize];
        var info = new SKImageInfo(ImageSize, ImageSize, SKColorType.Gray8, SKAlphaType.Opaque);
        for (int r = 0; r < RowCount; r++)
        {
            var image = Image(r);
            for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)Math.Round(image[i] * 255);
            string folder = Directory.CreateDirectory(Path.Combine(directory, Characters[_character[r]])).FullName;
            using var bitmap = new SKBitmap(info);
            bytes.CopyTo(bitmap.GetPixelSpan());
            using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            using var file = File.Create(Path.Combine(folder, $"{Faces[_face[r]].Name} {_variant[r]}.png"));
            data.SaveTo(file);
        }
        return RowCount;
    }

    private static int IndexOf(IReadOnlyList<string> list, string item, string what)
    {
        for (int i = 0; i < list.Count; i++)
            if (string.Equals(list[i], item, StringComparison.Ordinal)) return i;
        throw new ArgumentException($"The {what} '{item}' is not in this set of glyph images.");
    }

    private static long ImageSeed(long seed, int codePoint, ulong face, int variant) =>
        unchecked((long)Mix(Mix(Mix((ulong)seed, (ulong)codePoint), face), (ulong)variant));

    private static ulong Mix(ulong a, ulong b)
    {
        ulong z = unchecked(a ^ (b + 0x9E3779B97F4A7C15UL + (a << 6) + (a >> 2)));
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    /// <summary>FNV-1a of the name's UTF-16 code units: the same on every machine and .NET version (unlike string.GetHashCode).</summary>
    private static ulong StableHash(string name)
    {
        ulong h = 14695981039346656037UL;
        foreach (char ch in name) h = unchecked((h ^ ch) * 1099511628211UL);
        return h;
    }
}

namespace MLNetMarginLoss;

/// <summary>
/// The open-set protocol of the glyph data set: which characters are trained on and which are never seen, which faces
/// are trained on and which are held out, and which faces enrol the unseen characters for k-shot identification.
/// </summary>
/// <remarks>
/// <para>The training set is <see cref="TrainingCharacters"/> in <see cref="TrainingFaces"/>. Closed-set accuracy is
/// measured on <see cref="TrainingCharacters"/> in <see cref="HeldOutFaces"/> (typefaces never trained on).
/// <see cref="UnseenCharacters"/> appear in no training image; they are verified in pairs across faces and identified
/// with a gallery of their first k <see cref="GalleryFaces"/> and probes from <see cref="QueryFaces"/>, which are the same
/// for every k.</para>
/// <para><see cref="Standard"/>: the 3,755 characters of <see cref="GlyphCharacters.Gb2312Level1"/>, 2,500 of them for
/// training (split seed 0) and 1,255 unseen; the 18 faces of <see cref="GlyphFaces.Standard"/>, of which 4 are held out
/// (Noto Sans CJK SC Medium and Noto Serif CJK SC SemiBold, weights between trained ones; WenQuanYi Micro Hei and
/// IPAMincho, designs not trained on) and 14 trained on; the gallery faces are, in order, Noto Sans CJK SC Regular,
/// Noto Serif CJK SC Regular, Noto Sans CJK SC Bold, Noto Serif CJK SC Bold and WenQuanYi Zen Hei (the common print
/// faces, each with every character), so 1-shot enrols the Sans Regular image and 5-shot all five; the other 13 faces
/// give the probes.</para>
/// </remarks>
public sealed class GlyphProtocol
{
    /// <summary>The standard protocol's held-out faces.</summary>
    public static IReadOnlyList<string> StandardHeldOutFaces { get; } = ["Noto Sans CJK SC Medium", "Noto Serif CJK SC SemiBold", "WenQuanYi Micro Hei", "IPAMincho"];

    /// <summary>The standard protocol's gallery faces, in enrolment order.</summary>
    public static IReadOnlyList<string> StandardGalleryFaces { get; } = ["Noto Sans CJK SC Regular", "Noto Serif CJK SC Regular", "Noto Sans CJK SC Bold", "Noto Serif CJK SC Bold", "WenQuanYi Zen Hei"];

    /// <summary>The number of training characters of the standard protocol.</summary>
    public const int StandardTrainingCharacterCount = 2500;

    private GlyphProtocol(IReadOnlyList<string> characters, IReadOnlyList<string> training, IReadOnlyList<string> unseen,
        IReadOnlyList<GlyphFace> faces, IReadOnlyList<GlyphFace> trainingFaces, IReadOnlyList<GlyphFace> heldOut, IReadOnlyList<GlyphFace> gallery)
    {
        Characters = characters;
        TrainingCharacters = training;
        UnseenCharacters = unseen;
        Faces = faces;
        TrainingFaces = trainingFaces;
        HeldOutFaces = heldOut;
        GalleryFaces = gallery;
        QueryFaces = [.. faces.Where(f => !gallery.Contains(f))];
    }

    /// <summary>All characters.</summary>
    public IReadOnlyList<string> Characters { get; }

    /// <summary>The characters trained on (the classes of the head).</summary>
    public IReadOnlyList<string> TrainingCharacters { get; }

    /// <summary>The characters that appear in no training image.</summary>
    public IReadOnlyList<string> UnseenCharacters { get; }

    /// <summary>All faces.</summary>
    public IReadOnlyList<GlyphFace> Faces { get; }

    /// <summary>The faces trained on.</summary>
    public IReadOnlyList<GlyphFace> TrainingFaces { get; }

    /// <summary>The faces never trained on (closed-set accuracy of the training characters is measured on them).</summary>
    public IReadOnlyList<GlyphFace> HeldOutFaces { get; }

    /// <summary>The faces that enrol unseen characters, in order: k-shot identification enrols the first k.</summary>
    public IReadOnlyList<GlyphFace> GalleryFaces { get; }

    /// <summary>The faces whose images of unseen characters are the identification probes: all but <see cref="GalleryFaces"/>.</summary>
    public IReadOnlyList<GlyphFace> QueryFaces { get; }

    /// <summary>
    /// The standard protocol (see the remarks), optionally on the first <paramref name="characterCount"/> characters of
    /// <see cref="GlyphCharacters.Gb2312Level1"/> with <paramref name="trainingCount"/> of them for training, to scale it down.
    /// </summary>
    public static GlyphProtocol Standard(int characterCount = 3755, int trainingCount = StandardTrainingCharacterCount) =>
        Create(GlyphCharacters.Gb2312Level1.Take(characterCount).ToList(), GlyphFaces.Standard, trainingCount, StandardHeldOutFaces, StandardGalleryFaces);

    /// <summary>A protocol over any characters and faces.</summary>
    /// <param name="characters">All characters.</param>
    /// <param name="faces">All faces.</param>
    /// <param name="trainingCount">Characters to train on, split off by <see cref="GlyphCharacters.Split"/> with <paramref name="splitSeed"/>.</param>
    /// <param name="heldOutFaces">Names of the faces not trained on; at least one face must remain for training.</param>
    /// <param name="galleryFaces">Names of the faces that enrol unseen characters, in order; at least one face must remain for probes.</param>
    /// <param name="splitSeed">Seed of the character split. Default 0.</param>
    /// <exception cref="ArgumentException">A face name is unknown or repeated, no face is left for training or for probes, or the split is impossible.</exception>
    public static GlyphProtocol Create(IReadOnlyList<string> characters, IReadOnlyList<GlyphFace> faces, int trainingCount,
        IReadOnlyList<string> heldOutFaces, IReadOnlyList<string> galleryFaces, long splitSeed = 0)
    {
        ArgumentNullException.ThrowIfNull(faces);
        ArgumentNullException.ThrowIfNull(heldOutFaces);
        ArgumentNullException.ThrowIfNull(galleryFaces);
        var (training, unseen) = GlyphCharacters.Split(characters, trainingCount, splitSeed);
        var heldOut = Find(faces, heldOutFaces, nameof(heldOutFaces));
        var gallery = Find(faces, galleryFaces, nameof(galleryFaces));
        GlyphFace[] trainingFaces = [.. faces.Where(f => !heldOut.Contains(f))];
        if (trainingFaces.Length == 0) throw new ArgumentException("Every face is held out; leave at least one to train on.", nameof(heldOutFaces));
        if (gallery.Count == faces.Count) throw new ArgumentException("Every face is a gallery face; leave at least one for the probes.", nameof(galleryFaces));
        return new GlyphProtocol([.. characters], training, unseen, [.. faces], trainingFaces, heldOut, gallery);
    }

    private static IReadOnlyList<GlyphFace> Find(IReadOnlyList<GlyphFace> faces, IReadOnlyList<string> names, string parameter)
    {
        var result = new List<GlyphFace>();
        foreach (var name in names)
        {
            var face = faces.FirstOrDefault(f => f.Name == name)
                ?? throw new ArgumentException($"There is no face '{name}' among the faces ({string.Join(", ", faces.Select(f => f.Name))}).", parameter);
            if (result.Contains(face)) throw new ArgumentException($"Face '{name}' is listed twice.", parameter);
            result.Add(face);
        }
        return result;
    }
}

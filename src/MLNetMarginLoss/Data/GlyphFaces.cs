namespace MLNetMarginLoss;

/// <summary>
/// The typefaces of the glyph data set: the distinct designs and weights that six Debian font packages install
/// (<c>fonts-noto-cjk</c>, <c>fonts-noto-cjk-extra</c>, <c>fonts-wqy-zenhei</c>, <c>fonts-wqy-microhei</c>,
/// <c>fonts-ipafont-gothic</c>, <c>fonts-ipafont-mincho</c>; <c>build/setup.sh</c> installs them).
/// </summary>
/// <remarks>
/// <para><see cref="Standard"/> holds 18 faces: Noto Sans CJK SC in its 7 weights (Thin … Black), Noto Serif CJK SC in
/// its 7 weights (ExtraLight … Black), WenQuanYi Zen Hei, WenQuanYi Micro Hei, IPAGothic and IPAMincho.</para>
/// <para>Left out, because their glyphs repeat a listed face's outlines and would put the same image on both sides of
/// a gallery/query split: the Noto CJK files' other regional faces (JP, KR, TC, HK; for the 3,755 characters of
/// <see cref="GlyphCharacters.Gb2312Level1"/> the Regular weights use the SC outline for 55–73 % of the characters and a regional
/// variant of the same design for the rest), the Noto Sans Mono CJK faces (the same ideographs as Noto Sans CJK),
/// WenQuanYi Zen Hei Mono and Sharp and Micro Hei Mono (the same outlines), and IPAPGothic and IPAPMincho (the
/// proportional-Latin versions of IPAGothic and IPAMincho, same ideographs).</para>
/// <para>The Noto and WenQuanYi faces hold every character of <see cref="GlyphCharacters.Gb2312Level1"/>; IPAGothic and
/// IPAMincho, Japanese fonts, hold 2,568 of them (not the simplified forms that Japanese does not use).</para>
/// </remarks>
public static class GlyphFaces
{
    private const string Noto = "/usr/share/fonts/opentype/noto/";
    private const string NotoPackage = "fonts-noto-cjk";
    private const string NotoExtraPackage = "fonts-noto-cjk-extra";

    // Face 2 of every Noto CJK collection is the Simplified Chinese one (0 JP, 1 KR, 2 SC, 3 TC, 4 HK).
    private static GlyphFace NotoSans(string weight, string package) =>
        new($"Noto Sans CJK SC {weight}", "Noto Sans CJK SC", $"{Noto}NotoSansCJK-{weight}.ttc", 2, package);

    private static GlyphFace NotoSerif(string weight, string package) =>
        new($"Noto Serif CJK SC {weight}", "Noto Serif CJK SC", $"{Noto}NotoSerifCJK-{weight}.ttc", 2, package);

    /// <summary>The 18 faces, in this order: Noto Sans CJK SC (7 weights, light to heavy), Noto Serif CJK SC (7 weights), WenQuanYi Zen Hei, WenQuanYi Micro Hei, IPAGothic, IPAMincho.</summary>
    public static IReadOnlyList<GlyphFace> Standard { get; } =
    [
        NotoSans("Thin", NotoExtraPackage),
        NotoSans("Light", NotoExtraPackage),
        NotoSans("DemiLight", NotoExtraPackage),
        NotoSans("Regular", NotoPackage),
        NotoSans("Medium", NotoExtraPackage),
        NotoSans("Bold", NotoPackage),
        NotoSans("Black", NotoExtraPackage),
        NotoSerif("ExtraLight", NotoExtraPackage),
        NotoSerif("Light", NotoExtraPackage),
        NotoSerif("Regular", NotoPackage),
        NotoSerif("Medium", NotoExtraPackage),
        NotoSerif("SemiBold", NotoExtraPackage),
        NotoSerif("Bold", NotoPackage),
        NotoSerif("Black", NotoExtraPackage),
        new("WenQuanYi Zen Hei", "WenQuanYi Zen Hei", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0, "fonts-wqy-zenhei"),
        new("WenQuanYi Micro Hei", "WenQuanYi Micro Hei", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0, "fonts-wqy-microhei"),
        new("IPAGothic", "IPAGothic", "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf", 0, "fonts-ipafont-gothic"),
        new("IPAMincho", "IPAMincho", "/usr/share/fonts/opentype/ipafont-mincho/ipam.ttf", 0, "fonts-ipafont-mincho"),
    ];

    /// <summary>The standard face named <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No standard face has that name (the message lists them).</exception>
    public static GlyphFace Get(string name) =>
        Standard.FirstOrDefault(f => f.Name == name)
        ?? throw new ArgumentException($"There is no standard glyph face '{name}'; the faces are: {string.Join(", ", Standard.Select(f => f.Name))}.", nameof(name));
}

using System.Text;
using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss;

/// <summary>
/// The characters of the glyph data set: the 3,755 level-1 hanzi of the Chinese national standard GB 2312-80, and a
/// fixed, seeded split of a character list into training and unseen characters.
/// </summary>
/// <remarks>
/// GB 2312 level 1 is the standard's "frequently used" level (一级汉字): 3,755 characters ordered by pinyin,
/// from 啊 (U+554A) to 座 (U+5EA7), the two-byte codes 0xB0A1–0xD7F9 of the EUC-CN encoding (code page 936): rows 0xB0–0xD7, cells 0xA1–0xFE,
/// except the last row's five unassigned cells 0xD7FA–0xD7FE. The list is decoded from the code page by .NET, so
/// nothing is downloaded and the list is the same on every machine.
/// </remarks>
public static class GlyphCharacters
{
    private static readonly Lazy<IReadOnlyList<string>> Level1 = new(DecodeLevel1);

    /// <summary>The 3,755 GB 2312 level-1 hanzi, each a one-character string, in the standard's (pinyin) order.</summary>
    public static IReadOnlyList<string> Gb2312Level1 => Level1.Value;

    /// <summary>
    /// Splits <paramref name="characters"/> into <paramref name="trainingCount"/> training characters and the rest
    /// (the unseen characters), by a seeded shuffle; each part keeps the order of <paramref name="characters"/>.
    /// The same list, count and seed give the same split on every machine.
    /// </summary>
    /// <exception cref="ArgumentException">The list is empty or holds a character twice, or the count leaves either part empty.</exception>
    public static (IReadOnlyList<string> Training, IReadOnlyList<string> Unseen) Split(IReadOnlyList<string> characters, int trainingCount, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(characters);
        if (characters.Distinct(StringComparer.Ordinal).Count() != characters.Count)
            throw new ArgumentException("The character list holds a character twice.", nameof(characters));
        if (trainingCount < 1 || trainingCount >= characters.Count)
            throw new ArgumentOutOfRangeException(nameof(trainingCount), trainingCount, $"The training count must leave both parts non-empty: 1 … {characters.Count - 1} of {characters.Count} characters.");
        var order = Enumerable.Range(0, characters.Count).ToArray();
        new SeededRandom(seed).Shuffle<int>(order);
        var training = new bool[characters.Count];
        foreach (int i in order.AsSpan(0, trainingCount)) training[i] = true;
        return ([.. characters.Where((_, i) => training[i])], [.. characters.Where((_, i) => !training[i])]);
    }

    private static IReadOnlyList<string> DecodeLevel1()
    {
        var gb2312 = CodePagesEncodingProvider.Instance.GetEncoding(936)
            ?? throw new InvalidOperationException("Code page 936 (GB 2312) is not available from System.Text.CodePagesEncodingProvider.");
        var result = new List<string>(3755);
        var bytes = new byte[2];
        for (int row = 0xB0; row <= 0xD7; row++)
            for (int cell = 0xA1; cell <= (row == 0xD7 ? 0xF9 : 0xFE); cell++)
            {
                bytes[0] = (byte)row;
                bytes[1] = (byte)cell;
                result.Add(gb2312.GetString(bytes));
            }
        return result;
    }
}

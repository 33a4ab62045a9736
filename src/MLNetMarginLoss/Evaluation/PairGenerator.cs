using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Evaluation;

/// <summary>
/// Draws balanced verification pairs from labels: half same-class pairs (an anchor from a class with at
/// least two rows, a different row of that class) and half different-class pairs, interleaved
/// (same, different, same, …) so that every contiguous fold of the list is balanced as well.
/// Pairs are drawn with replacement; a pair never joins a row with itself.
/// </summary>
internal static class PairGenerator
{
    /// <summary>Generates <paramref name="pairCount"/> pairs (an even number) from <paramref name="labels"/>.</summary>
    /// <param name="labels">Class of every row.</param>
    /// <param name="pairCount">Pairs to draw; must be even and positive.</param>
    /// <param name="random">Source of randomness (the sequence depends only on its seed).</param>
    public static VerificationPairs Generate(ReadOnlySpan<int> labels, int pairCount, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (pairCount <= 0 || pairCount % 2 != 0)
            throw new ArgumentOutOfRangeException(nameof(pairCount), pairCount, "The pair count must be a positive even number (half same, half different).");
        var byClass = new Dictionary<int, List<int>>();
        for (int i = 0; i < labels.Length; i++)
        {
            if (!byClass.TryGetValue(labels[i], out var list)) byClass[labels[i]] = list = [];
            list.Add(i);
        }
        if (byClass.Count < 2)
            throw new ArgumentException($"Different-class pairs need at least 2 classes; the labels hold {byClass.Count}.", nameof(labels));
        // Anchors for same pairs: rows whose class has another row.
        var anchors = new List<int>();
        for (int i = 0; i < labels.Length; i++) if (byClass[labels[i]].Count > 1) anchors.Add(i);
        if (anchors.Count == 0)
            throw new ArgumentException("Same-class pairs need a class with at least 2 rows; every class has one.", nameof(labels));

        var first = new int[pairCount];
        var second = new int[pairCount];
        var same = new bool[pairCount];
        var labelArray = labels.ToArray();
        for (int p = 0; p < pairCount; p += 2)
        {
            int a = anchors[random.NextInt(anchors.Count)];
            var members = byClass[labelArray[a]];
            int b;
            do b = members[random.NextInt(members.Count)]; while (b == a);
            first[p] = a; second[p] = b; same[p] = true;

            int c = random.NextInt(labelArray.Length);
            int d;
            do d = random.NextInt(labelArray.Length); while (labelArray[d] == labelArray[c]);
            first[p + 1] = c; second[p + 1] = d; same[p + 1] = false;
        }
        return new VerificationPairs(first, second, same);
    }
}

using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Evaluation;

/// <summary>
/// Draws balanced verification pairs whose two rows always come from different groups (cameras, sessions, typefaces):
/// half same-class pairs (an anchor whose class also has rows in another group, and one of those rows) and half
/// different-class pairs (any row with a row of another class in another group), interleaved same, different, same, …
/// as <see cref="PairGenerator"/> does, so that every contiguous fold is balanced. Drawn with replacement.
/// </summary>
internal static class CrossGroupPairGenerator
{
    /// <summary>Generates <paramref name="pairCount"/> pairs (a positive even number).</summary>
    /// <param name="labels">Class of every row.</param>
    /// <param name="groups">Group of every row.</param>
    /// <param name="pairCount">Pairs to draw.</param>
    /// <param name="random">Source of randomness (the sequence depends only on its seed).</param>
    public static VerificationPairs Generate(ReadOnlySpan<int> labels, ReadOnlySpan<int> groups, int pairCount, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (pairCount <= 0 || pairCount % 2 != 0)
            throw new ArgumentOutOfRangeException(nameof(pairCount), pairCount, "The pair count must be a positive even number (half same, half different).");
        if (groups.Length != labels.Length) throw new ArgumentException($"Got {groups.Length} groups for {labels.Length} rows.", nameof(groups));
        int n = labels.Length;
        var byClass = new Dictionary<int, List<int>>();
        var classSize = new Dictionary<int, int>();
        var groupSize = new Dictionary<int, int>();
        var classGroupSize = new Dictionary<(int, int), int>();
        for (int i = 0; i < n; i++)
        {
            if (!byClass.TryGetValue(labels[i], out var list)) byClass[labels[i]] = list = [];
            list.Add(i);
            classSize[labels[i]] = classSize.GetValueOrDefault(labels[i]) + 1;
            groupSize[groups[i]] = groupSize.GetValueOrDefault(groups[i]) + 1;
            classGroupSize[(labels[i], groups[i])] = classGroupSize.GetValueOrDefault((labels[i], groups[i])) + 1;
        }
        var sameAnchors = new List<int>();
        var differentAnchors = new List<int>();
        for (int i = 0; i < n; i++)
        {
            int classGroup = classGroupSize[(labels[i], groups[i])];
            if (classSize[labels[i]] - classGroup > 0) sameAnchors.Add(i);
            // Rows of another class in another group: rows outside i's group, less those of i's class outside it.
            if (n - groupSize[groups[i]] - (classSize[labels[i]] - classGroup) > 0) differentAnchors.Add(i);
        }
        if (sameAnchors.Count == 0)
            throw new ArgumentException("Same-class pairs across groups need a class with rows in two groups; no class has.", nameof(groups));
        if (differentAnchors.Count == 0)
            throw new ArgumentException("Different-class pairs across groups need two classes in two different groups; the rows have none.", nameof(groups));

        var first = new int[pairCount];
        var second = new int[pairCount];
        var same = new bool[pairCount];
        int[] labelArray = labels.ToArray(), groupArray = groups.ToArray();
        for (int p = 0; p < pairCount; p += 2)
        {
            int a = sameAnchors[random.NextInt(sameAnchors.Count)];
            var members = byClass[labelArray[a]];
            int b;
            do b = members[random.NextInt(members.Count)]; while (groupArray[b] == groupArray[a]);
            first[p] = a; second[p] = b; same[p] = true;

            int c = differentAnchors[random.NextInt(differentAnchors.Count)];
            int d;
            do d = random.NextInt(n); while (labelArray[d] == labelArray[c] || groupArray[d] == groupArray[c]);
            first[p + 1] = c; second[p + 1] = d; same[p + 1] = false;
        }
        return new VerificationPairs(first, second, same);
    }
}

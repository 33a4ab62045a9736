namespace MLNetMarginLoss.Evaluation;

/// <summary>Pairs of row indices with whether the two rows share a class ("same" / genuine pairs).</summary>
internal sealed class VerificationPairs
{
    /// <summary>Creates a pair list; the three arrays must have the same length.</summary>
    public VerificationPairs(int[] first, int[] second, bool[] isSame)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        ArgumentNullException.ThrowIfNull(isSame);
        if (first.Length != second.Length || first.Length != isSame.Length)
            throw new ArgumentException($"Pair arrays differ in length: first {first.Length}, second {second.Length}, isSame {isSame.Length}.");
        First = first;
        Second = second;
        IsSame = isSame;
    }

    /// <summary>Number of pairs.</summary>
    public int Count => First.Length;

    /// <summary>Row index of each pair's first member.</summary>
    public int[] First { get; }

    /// <summary>Row index of each pair's second member.</summary>
    public int[] Second { get; }

    /// <summary>True for a same-class pair.</summary>
    public bool[] IsSame { get; }
}

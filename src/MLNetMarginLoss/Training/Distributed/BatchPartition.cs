namespace MLNetMarginLoss.Training.Distributed;

/// <summary>
/// How the rows of one step are split between the processes: the global batch of m rows (a slice of the epoch's
/// (seed, epoch) permutation of row ids, the same on every process) is cut into contiguous parts in rank order, part r
/// being rows [⌊r·m/P⌋, ⌊(r+1)·m/P⌋) — b rows each when m = P·b, sizes differing by at most one otherwise. Every process
/// computes every part's size, so gathers need no exchange of counts, and the gathered rows are in the global batch's
/// order.
/// </summary>
internal static class BatchPartition
{
    /// <summary>The first row and the row count of part <paramref name="rank"/> of <paramref name="rows"/> rows over <paramref name="size"/> parts.</summary>
    public static (int First, int Count) Part(int rows, int size, int rank)
    {
        int first = (int)((long)rank * rows / size);
        int next = (int)((long)(rank + 1) * rows / size);
        return (first, next - first);
    }

    /// <summary>Every part's row count, times <paramref name="scale"/> (e.g. the floats per row), into <paramref name="counts"/>.</summary>
    public static void Counts(int rows, int size, int scale, Span<int> counts)
    {
        for (int r = 0; r < size; r++) counts[r] = checked(Part(rows, size, r).Count * scale);
    }
}

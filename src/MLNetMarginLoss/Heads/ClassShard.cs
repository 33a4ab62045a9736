namespace MLNetMarginLoss.Heads;

/// <summary>
/// One process's share of a cosine head's classes when the class centres are sharded across processes (insightface's
/// model-parallel Partial FC): shard <see cref="Index"/> of <see cref="Count"/> holds the classes
/// [<see cref="FirstClass"/>, <see cref="FirstClass"/> + <see cref="ClassCount"/>) of <see cref="TotalClasses"/>, with
/// first = ⌊index·C / count⌋ (contiguous, sizes differing by at most one, in shard order). A sharded
/// <see cref="CosineMarginHead"/> sees every row of the processes' gathered batch with global labels, computes cosines
/// against its own classes only (a row whose class lives elsewhere has label −1 there), and combines what the margin
/// needs over all classes through <see cref="Reduction"/>: each row's target cosine (found on the shard that holds
/// it, zero elsewhere) and the margin's statistics (AdaCos's sums).
/// </summary>
internal sealed class ClassShard
{
    /// <summary>Shard <paramref name="index"/> of <paramref name="count"/> over <paramref name="totalClasses"/> classes.</summary>
    /// <exception cref="ArgumentException">Fewer than two classes per shard, or an index outside [0, count).</exception>
    public ClassShard(int index, int count, int totalClasses, IShardReduction reduction)
    {
        ArgumentNullException.ThrowIfNull(reduction);
        if (count < 1 || (uint)index >= (uint)count) throw new ArgumentOutOfRangeException(nameof(index), index, $"Shard index must be in [0, {count}).");
        if (totalClasses < 2 * count)
            throw new ArgumentException($"{totalClasses} classes cannot be sharded over {count} processes: every process holds at least two classes' centres; use at most {totalClasses / 2} processes.", nameof(totalClasses));
        Index = index;
        Count = count;
        TotalClasses = totalClasses;
        (FirstClass, ClassCount) = Range(totalClasses, count, index);
        Reduction = reduction;
    }

    /// <summary>This shard's index (the process's rank).</summary>
    public int Index { get; }

    /// <summary>The number of shards (processes).</summary>
    public int Count { get; }

    /// <summary>Classes in all shards together.</summary>
    public int TotalClasses { get; }

    /// <summary>The shard's first class.</summary>
    public int FirstClass { get; }

    /// <summary>The shard's classes.</summary>
    public int ClassCount { get; }

    /// <summary>Sums per-row and per-statistic values over the shards.</summary>
    public IShardReduction Reduction { get; }

    /// <summary>The classes [first, first + count) of shard <paramref name="index"/> of <paramref name="shards"/>.</summary>
    public static (int First, int Count) Range(int totalClasses, int shards, int index)
    {
        int first = (int)((long)index * totalClasses / shards);
        int next = (int)((long)(index + 1) * totalClasses / shards);
        return (first, next - first);
    }
}

/// <summary>The sum over the shards of a class-sharded head (an all-reduce across processes).</summary>
internal interface IShardReduction
{
    /// <summary>Replaces <paramref name="values"/> by their element-wise sum over every shard (each shard calls it with the same length).</summary>
    void Sum(Span<double> values);
}

using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Heads;

/// <summary>
/// Partial FC's column sampler (insightface's <c>partial_fc_v2</c>): for each training batch, every class that occurs
/// among the batch's labels (the positives) plus negatives drawn uniformly without replacement from the other classes,
/// up to ⌊r·C⌋ columns in all (all positives even when there are more), returned in ascending class order with each
/// row's label re-mapped to its column. Classes are those of a shard [<see cref="FirstClass"/>,
/// <see cref="FirstClass"/> + <see cref="ClassCount"/>) (the whole range in one process; a rank's share when classes
/// are sharded across processes); a label outside the shard maps to −1.
/// <para>
/// Drawing is deterministic for a given generator state (<see cref="Seed"/>, set per epoch from the trainer's seed):
/// negatives are drawn by rejection into a bitmap of the shard (when fewer than half of the free classes are wanted;
/// otherwise the classes to leave out are drawn), and the bitmap is read in order, so a batch costs O(C/64 + S) and,
/// for rates up to about one half, allocates nothing.
/// </para>
/// </summary>
internal sealed class PartialFcSampler
{
    private readonly ulong[] _chosen;
    private SeededRandom _random = new(0);

    /// <summary>A sampler over the classes [first, first + count) keeping ⌊<paramref name="sampleRate"/>·count⌋ columns per batch.</summary>
    public PartialFcSampler(int classCount, double sampleRate, int firstClass = 0)
    {
        if (!(sampleRate > 0 && sampleRate <= 1))
            throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "The Partial FC sample rate must be in (0, 1].");
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        ClassCount = classCount;
        FirstClass = firstClass;
        SampleRate = sampleRate;
        SampleSize = Math.Max(1, (int)(sampleRate * classCount));
        _chosen = new ulong[(classCount + 63) / 64];
    }

    /// <summary>Classes in the shard.</summary>
    public int ClassCount { get; }

    /// <summary>The shard's first class.</summary>
    public int FirstClass { get; }

    /// <summary>The rate r.</summary>
    public double SampleRate { get; }

    /// <summary>Columns per batch when the positives are fewer: ⌊r·C⌋ (at least 1).</summary>
    public int SampleSize { get; }

    /// <summary>Upper bound of the columns of a batch of <paramref name="rows"/> rows.</summary>
    public int MaxColumns(int rows) => Math.Min(ClassCount, Math.Max(SampleSize, rows));

    /// <summary>Takes <paramref name="random"/> as the source of this epoch's negatives.</summary>
    public void Seed(SeededRandom random) => _random = random;

    /// <summary>
    /// Chooses the batch's columns: writes the classes (ascending, global indices) into <paramref name="columns"/>
    /// and each row's column (or −1) into <paramref name="columnLabels"/>; returns the number of columns.
    /// </summary>
    public int Sample(ReadOnlySpan<int> labels, Span<int> columns, Span<int> columnLabels)
    {
        Array.Clear(_chosen);
        int positives = 0;
        foreach (var label in labels)
        {
            int local = label - FirstClass;
            if ((uint)local >= (uint)ClassCount) continue;
            ref ulong word = ref _chosen[local >> 6];
            ulong bit = 1UL << (local & 63);
            if ((word & bit) == 0) { word |= bit; positives++; }
        }
        int wanted = Math.Max(SampleSize, positives);
        int free = ClassCount - positives, negatives = wanted - positives;
        if (negatives > 0)
        {
            if (negatives <= free / 2)
            {
                for (int drawn = 0; drawn < negatives;)
                {
                    int c = _random.NextInt(ClassCount);
                    ref ulong word = ref _chosen[c >> 6];
                    ulong bit = 1UL << (c & 63);
                    if ((word & bit) == 0) { word |= bit; drawn++; }
                }
            }
            else
            {
                // Draw the free classes to leave out (marked in a second pass), then take every other class.
                int leaveOut = free - negatives;
                var excluded = new HashSet<int>();
                while (excluded.Count < leaveOut)
                {
                    int c = _random.NextInt(ClassCount);
                    if ((_chosen[c >> 6] & (1UL << (c & 63))) == 0) excluded.Add(c);
                }
                for (int c = 0; c < ClassCount; c++)
                    if (!excluded.Contains(c)) _chosen[c >> 6] |= 1UL << (c & 63);
            }
        }
        int count = 0;
        for (int w = 0; w < _chosen.Length; w++)
        {
            ulong bits = _chosen[w];
            while (bits != 0)
            {
                int b = System.Numerics.BitOperations.TrailingZeroCount(bits);
                columns[count++] = FirstClass + (w << 6) + b;
                bits &= bits - 1;
            }
        }
        var chosen = columns[..count];
        for (int i = 0; i < labels.Length; i++)
        {
            int local = labels[i] - FirstClass;
            columnLabels[i] = (uint)local < (uint)ClassCount ? chosen.BinarySearch(labels[i]) : -1;
        }
        return count;
    }
}

namespace MLNetMarginLoss.Engine.Kernels;

/// <summary>
/// Parallel work over items [0, count): the items are split into one contiguous range per thread, and
/// <see cref="Process"/> is called once per range. Subclasses hold their arguments in fields set before
/// <see cref="Run"/>, so one instance is allocated per kernel and reused (dispatching allocates nothing).
/// Ranges are fixed by the item count and the thread count, so results are deterministic.
/// </summary>
internal abstract class RangeWork : IParallelWork
{
    private int _count;

    /// <summary>Processes items [<paramref name="start"/>, <paramref name="end"/>).</summary>
    protected abstract void Process(int start, int end);

    /// <summary>Runs <see cref="Process"/> over [0, <paramref name="count"/>) on <paramref name="pool"/>.</summary>
    public void Run(WorkerPool pool, int count)
    {
        if (count <= 0) return;
        _count = count;
        pool.Run(this, Math.Min(count, pool.DegreeOfParallelism));
    }

    /// <inheritdoc />
    void IParallelWork.Execute(int chunk, int chunkCount)
    {
        int start = (int)((long)_count * chunk / chunkCount);
        int end = (int)((long)_count * (chunk + 1) / chunkCount);
        if (end > start) Process(start, end);
    }
}

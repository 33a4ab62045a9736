namespace MLNetMarginLoss.Training.Distributed;

/// <summary>
/// The world of one process (<see cref="Communicator.SingleProcess"/>): rank 0 of 1. Every collective is the identity
/// (a reduction or broadcast leaves the values as they are, a gather copies the local part), so code written against
/// <see cref="Communicator"/> runs unchanged in one process, with no communication library.
/// </summary>
internal sealed class SingleProcessCommunicator : Communicator
{
    /// <inheritdoc />
    public override int Rank => 0;

    /// <inheritdoc />
    public override int Size => 1;

    /// <inheritdoc />
    public override string Description => "single process";

    /// <inheritdoc />
    protected override void AllReduceCore<T>(Span<T> values, ReduceOperation operation) { }

    /// <inheritdoc />
    protected override void AllGatherCore<T>(ReadOnlySpan<T> local, Span<T> all, ReadOnlySpan<int> counts) => local.CopyTo(all);

    /// <inheritdoc />
    protected override void GatherCore<T>(ReadOnlySpan<T> local, Span<T> all, ReadOnlySpan<int> counts, int root) => local.CopyTo(all);

    /// <inheritdoc />
    protected override void ReduceScatterCore<T>(ReadOnlySpan<T> all, Span<T> local, ReadOnlySpan<int> counts) => all.CopyTo(local);

    /// <inheritdoc />
    protected override void BroadcastCore<T>(Span<T> values, int root) { }

    /// <inheritdoc />
    protected override void BarrierCore() { }
}

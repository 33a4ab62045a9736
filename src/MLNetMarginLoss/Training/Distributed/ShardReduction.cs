using MLNetMarginLoss.Heads;

namespace MLNetMarginLoss.Training.Distributed;

/// <summary>A class-sharded head's sum over the shards: an all-reduce (sum) over the processes of the world.</summary>
internal sealed class ShardReduction(Communicator world) : IShardReduction
{
    /// <inheritdoc />
    public void Sum(Span<double> values) => world.AllReduce(values, ReduceOperation.Sum);
}

namespace MLNetMarginLoss;

/// <summary>How <see cref="Communicator.AllReduce{T}"/> combines the processes' values, element by element.</summary>
public enum ReduceOperation
{
    /// <summary>The sum over the processes.</summary>
    Sum,

    /// <summary>The largest value.</summary>
    Max,

    /// <summary>The smallest value.</summary>
    Min,
}

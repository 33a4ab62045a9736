namespace MLNetMarginLoss;

/// <summary>
/// Thrown when training across processes cannot go on: the processes were started with different options or data, a
/// process of the job stopped or does not answer, or the communication library failed. The message starts with
/// "rank r of N:" and says what to do; no model is returned, and a checkpoint written before the failure stays usable.
/// </summary>
public sealed class DistributedTrainingException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DistributedTrainingException(string message) : base(message) { }

    /// <summary>Creates the exception with the error that caused it.</summary>
    public DistributedTrainingException(string message, Exception inner) : base(message, inner) { }
}

namespace MLNetMarginLoss.Training;

/// <summary>Early stopping's counters: the best validation loss so far and the epochs since it (saved in checkpoints).</summary>
internal sealed class EarlyStoppingState
{
    /// <summary>Lowest validation loss seen.</summary>
    public double BestLoss { get; set; } = double.PositiveInfinity;

    /// <summary>Epochs since <see cref="BestLoss"/> improved.</summary>
    public int SinceBest { get; set; }
}

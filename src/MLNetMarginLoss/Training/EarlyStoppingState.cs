namespace MLNetMarginLoss.Training;

/// <summary>Early stopping's counters: the best validation loss so far and the epochs since it (saved in checkpoints).</summary>
internal sealed class EarlyStoppingState
{
    /// <summary>Lowest validation loss seen.</summary>
    public double BestLoss { get; set; } = double.PositiveInfinity;

    /// <summary>Epochs since <see cref="BestLoss"/> improved.</summary>
    public int SinceBest { get; set; }

    /// <summary>
    /// Records an epoch's validation loss: on a new best, resets the counter and calls <paramref name="keepBest"/>
    /// (the backend snapshots its weights); otherwise counts the epoch. True when training should stop.
    /// </summary>
    public bool Update(double validationLoss, int patience, Action keepBest)
    {
        if (validationLoss < BestLoss)
        {
            BestLoss = validationLoss;
            SinceBest = 0;
            keepBest();
            return false;
        }
        return ++SinceBest >= patience;
    }
}

namespace MLNetMarginLoss.Training;

/// <summary>The training loop's own state across epochs (what a checkpoint keeps besides weights, optimizer and schedule).</summary>
internal sealed class RunState
{
    /// <summary>The per-epoch record.</summary>
    public TrainingHistory History { get; } = new();

    /// <summary>Early stopping's counters.</summary>
    public EarlyStoppingState Stopping { get; } = new();

    /// <summary>The best weights under early stopping, or null when it is off.</summary>
    public WeightSnapshot? Best { get; init; }

    /// <summary>The training rows still in use (all, until sub-centre outlier dropping removes some).</summary>
    public int[] ActiveRows { get; set; } = [];
}

namespace MLNetMarginLoss;

/// <summary>A progress report from a running trainer, sent after every batch and at the end of every epoch.</summary>
public sealed record TrainingProgress
{
    /// <summary>Zero-based epoch.</summary>
    public int Epoch { get; init; }

    /// <summary>Total epochs planned.</summary>
    public int Epochs { get; init; }

    /// <summary>Batches done in this epoch.</summary>
    public int Batch { get; init; }

    /// <summary>Batches per epoch.</summary>
    public int Batches { get; init; }

    /// <summary>Mean training loss over the epoch so far.</summary>
    public double Loss { get; init; }

    /// <summary>The mean training loss of the last batch alone (in per-batch reports; with several processes, of the whole global batch).</summary>
    public double BatchLoss { get; init; }

    /// <summary>Training accuracy over the epoch so far (arg-max of the margin logits).</summary>
    public double Accuracy { get; init; }

    /// <summary>Training throughput in this epoch.</summary>
    public double SamplesPerSecond { get; init; }

    /// <summary>Estimated time to the end of training.</summary>
    public TimeSpan EstimatedRemaining { get; init; }

    /// <summary>The learning rate of the last step.</summary>
    public double LearningRate { get; init; }

    /// <summary>True for the report sent when an epoch (and its validation) is complete.</summary>
    public bool EpochCompleted { get; init; }

    /// <summary>The finished epoch's record when <see cref="EpochCompleted"/> is true.</summary>
    public EpochRecord? Record { get; init; }

    /// <summary>
    /// Set only in the one report sent before training when a checkpoint was found and restored: the zero-based epoch
    /// training resumes at (the epochs before it are in the checkpoint's history).
    /// </summary>
    public int? ResumedAtEpoch { get; init; }
}

namespace MLNetMarginLoss;

/// <summary>What one training epoch measured.</summary>
public sealed record EpochRecord
{
    /// <summary>Zero-based epoch.</summary>
    public int Epoch { get; init; }

    /// <summary>Mean training loss (with the margin).</summary>
    public double TrainLoss { get; init; }

    /// <summary>
    /// Mean training-batch loss of the inference logits s·cos θ with no margin — softmax cross-entropy, the same
    /// definition as <see cref="ValidationLoss"/>, so the two can be compared directly. Null when not recorded.
    /// </summary>
    public double? TrainLossWithoutMargin { get; init; }

    /// <summary>Training accuracy of the margin logits (arg-max of the logits with the margin, so pessimistic; near 0 while a large margin is not yet met).</summary>
    public double TrainAccuracy { get; init; }

    /// <summary>
    /// Training accuracy of the inference logits s·cos θ (no margin) on the training batches, with the weights each
    /// batch saw: comparable with <see cref="ValidationAccuracy"/>. Null when not recorded.
    /// </summary>
    public double? TrainAccuracyWithoutMargin { get; init; }

    /// <summary>Validation loss (softmax of s·cos θ, no margin), when validation data was given.</summary>
    public double? ValidationLoss { get; init; }

    /// <summary>Validation accuracy, when validation data was given.</summary>
    public double? ValidationAccuracy { get; init; }

    /// <summary>Learning rate at the end of the epoch.</summary>
    public double LearningRate { get; init; }

    /// <summary>Seconds spent in the training pass.</summary>
    public double Seconds { get; init; }

    /// <summary>Training throughput.</summary>
    public double SamplesPerSecond { get; init; }

    /// <summary>Whether the margin head was active (false during softmax warm-up).</summary>
    public bool MarginActive { get; init; } = true;
}

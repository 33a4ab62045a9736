namespace MLNetMarginLoss.Engine.Schedules;

/// <summary>
/// Linear warm-up then cosine decay, both per optimizer step. With s the global step
/// (epoch · stepsPerEpoch + stepInEpoch), W = warmupEpochs · stepsPerEpoch and T = totalEpochs · stepsPerEpoch:
/// <code>
/// s &lt; W:  lr = base · (s + 1) / W                                   (from base/W up to base)
/// s ≥ W:  lr = minLr + (base − minLr) · (1 + cos(π · min(1, (s − W)/(T − W)))) / 2
/// </code>
/// After <c>totalEpochs</c> the rate stays at <see cref="MinLearningRate"/>.
/// </summary>
internal sealed class CosineSchedule : LearningRateSchedule
{
    /// <summary>Creates a cosine schedule.</summary>
    /// <param name="baseLearningRate">Peak rate, reached at the end of the warm-up (finite, ≥ 0).</param>
    /// <param name="totalEpochs">Epochs of warm-up plus decay (≥ 1).</param>
    /// <param name="warmupEpochs">Epochs of linear warm-up, in [0, totalEpochs).</param>
    /// <param name="minLearningRate">Rate at the end of the decay, in [0, base].</param>
    public CosineSchedule(float baseLearningRate, int totalEpochs, int warmupEpochs = 0, float minLearningRate = 0f)
        : base(baseLearningRate)
    {
        if (totalEpochs < 1)
            throw new ArgumentOutOfRangeException(nameof(totalEpochs), totalEpochs, $"Total epochs must be ≥ 1, got {totalEpochs}.");
        if (warmupEpochs < 0 || warmupEpochs >= totalEpochs)
            throw new ArgumentOutOfRangeException(nameof(warmupEpochs), warmupEpochs,
                $"Warm-up epochs must be in [0, {totalEpochs}) (less than the total epochs), got {warmupEpochs}.");
        if (!float.IsFinite(minLearningRate) || minLearningRate < 0f || minLearningRate > baseLearningRate)
            throw new ArgumentOutOfRangeException(nameof(minLearningRate), minLearningRate,
                $"Minimum learning rate must be in [0, {baseLearningRate}] (the base rate), got {minLearningRate}.");
        TotalEpochs = totalEpochs;
        WarmupEpochs = warmupEpochs;
        MinLearningRate = minLearningRate;
    }

    /// <summary>Epochs of warm-up plus decay.</summary>
    public int TotalEpochs { get; }

    /// <summary>Epochs of linear warm-up.</summary>
    public int WarmupEpochs { get; }

    /// <summary>Rate at the end of the decay.</summary>
    public float MinLearningRate { get; }

    /// <inheritdoc />
    public override float GetLearningRate(int epoch, int stepInEpoch, int stepsPerEpoch)
    {
        ValidatePosition(epoch, stepInEpoch, stepsPerEpoch);
        long step = (long)epoch * stepsPerEpoch + stepInEpoch;
        long warmup = (long)WarmupEpochs * stepsPerEpoch;
        long total = (long)TotalEpochs * stepsPerEpoch;
        double baseRate = BaseLearningRate;
        if (step < warmup) return (float)(baseRate * (step + 1) / warmup);
        double progress = Math.Min(1.0, (double)(step - warmup) / (total - warmup));
        return (float)(MinLearningRate + (baseRate - MinLearningRate) * 0.5 * (1.0 + Math.Cos(Math.PI * progress)));
    }
}

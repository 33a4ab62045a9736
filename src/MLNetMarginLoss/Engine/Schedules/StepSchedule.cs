namespace MLNetMarginLoss.Engine.Schedules;

/// <summary>
/// Multiplies the rate by <see cref="Gamma"/> every <see cref="StepSize"/> epochs (PyTorch's <c>StepLR</c>
/// stepped once per epoch): lr = base · γ^⌊epoch / stepSize⌋.
/// </summary>
internal sealed class StepSchedule : LearningRateSchedule
{
    /// <summary>Creates a step schedule.</summary>
    /// <param name="baseLearningRate">Initial rate (finite, ≥ 0).</param>
    /// <param name="stepSize">Epochs between decays (≥ 1).</param>
    /// <param name="gamma">Decay factor (finite, &gt; 0; typically 0.1).</param>
    public StepSchedule(float baseLearningRate, int stepSize, double gamma = 0.1) : base(baseLearningRate)
    {
        if (stepSize < 1)
            throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, $"Step size must be ≥ 1 epoch, got {stepSize}.");
        ValidateGamma(gamma, nameof(gamma));
        StepSize = stepSize;
        Gamma = gamma;
    }

    /// <summary>Epochs between decays.</summary>
    public int StepSize { get; }

    /// <summary>Decay factor.</summary>
    public double Gamma { get; }

    /// <inheritdoc />
    public override float GetLearningRate(int epoch, int stepInEpoch, int stepsPerEpoch)
    {
        ValidatePosition(epoch, stepInEpoch, stepsPerEpoch);
        return (float)(BaseLearningRate * Math.Pow(Gamma, epoch / StepSize));
    }
}

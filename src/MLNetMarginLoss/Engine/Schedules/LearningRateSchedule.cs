namespace MLNetMarginLoss.Engine.Schedules;

/// <summary>
/// Decides the optimizer's base learning rate at each training step. Epochs and steps are zero-based:
/// the trainer asks <see cref="GetLearningRate"/> before every optimizer step and calls
/// <see cref="ReportEpochEnd"/> after each epoch, so schedules that react to validation loss can adapt.
/// </summary>
internal abstract class LearningRateSchedule
{
    /// <summary>Creates a schedule around a base learning rate.</summary>
    /// <param name="baseLearningRate">The rate the schedule starts from (finite, ≥ 0).</param>
    protected LearningRateSchedule(float baseLearningRate)
    {
        if (!float.IsFinite(baseLearningRate) || baseLearningRate < 0f)
            throw new ArgumentOutOfRangeException(nameof(baseLearningRate), baseLearningRate,
                $"Base learning rate must be finite and ≥ 0, got {baseLearningRate}.");
        BaseLearningRate = baseLearningRate;
    }

    /// <summary>The rate the schedule starts from.</summary>
    public float BaseLearningRate { get; }

    /// <summary>The learning rate for step <paramref name="stepInEpoch"/> of epoch <paramref name="epoch"/> (both zero-based).</summary>
    /// <param name="epoch">Zero-based epoch (≥ 0).</param>
    /// <param name="stepInEpoch">Zero-based step inside the epoch, in [0, <paramref name="stepsPerEpoch"/>).</param>
    /// <param name="stepsPerEpoch">Optimizer steps per epoch (≥ 1).</param>
    public abstract float GetLearningRate(int epoch, int stepInEpoch, int stepsPerEpoch);

    /// <summary>
    /// Tells the schedule that <paramref name="epoch"/> has finished, with the validation loss when one was
    /// measured (null otherwise). The default ignores it.
    /// </summary>
    public virtual void ReportEpochEnd(int epoch, double? validationLoss)
    {
    }

    /// <summary>The schedule's mutable state for checkpoints (empty for schedules that are pure functions of the position).</summary>
    public virtual double[] GetState() => [];

    /// <summary>Restores state returned by <see cref="GetState"/>.</summary>
    public virtual void SetState(double[] state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Length != 0)
            throw new ArgumentException($"{GetType().Name} keeps no state, but {state.Length} values were given.", nameof(state));
    }

    /// <summary>Throws when the position is outside its valid range.</summary>
    protected static void ValidatePosition(int epoch, int stepInEpoch, int stepsPerEpoch)
    {
        if (stepsPerEpoch < 1)
            throw new ArgumentOutOfRangeException(nameof(stepsPerEpoch), stepsPerEpoch, $"Steps per epoch must be ≥ 1, got {stepsPerEpoch}.");
        if (epoch < 0)
            throw new ArgumentOutOfRangeException(nameof(epoch), epoch, $"Epoch must be ≥ 0 (zero-based), got {epoch}.");
        if (stepInEpoch < 0 || stepInEpoch >= stepsPerEpoch)
            throw new ArgumentOutOfRangeException(nameof(stepInEpoch), stepInEpoch,
                $"Step in epoch must be in [0, {stepsPerEpoch}), got {stepInEpoch}.");
    }

    /// <summary>Throws when <paramref name="gamma"/> is not a finite positive factor.</summary>
    protected static void ValidateGamma(double gamma, string name)
    {
        if (!double.IsFinite(gamma) || gamma <= 0)
            throw new ArgumentOutOfRangeException(name, gamma, $"{name} must be finite and > 0, got {gamma}.");
    }
}

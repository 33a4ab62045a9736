namespace MLNetMarginLoss.Engine.Schedules;

/// <summary>Keeps the base learning rate for the whole run.</summary>
internal sealed class ConstantSchedule : LearningRateSchedule
{
    /// <summary>Creates a constant schedule.</summary>
    /// <param name="learningRate">The learning rate (finite, ≥ 0).</param>
    public ConstantSchedule(float learningRate) : base(learningRate)
    {
    }

    /// <inheritdoc />
    public override float GetLearningRate(int epoch, int stepInEpoch, int stepsPerEpoch)
    {
        ValidatePosition(epoch, stepInEpoch, stepsPerEpoch);
        return BaseLearningRate;
    }
}

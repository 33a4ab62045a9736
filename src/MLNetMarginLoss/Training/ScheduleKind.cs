namespace MLNetMarginLoss.Training;

/// <summary>Learning-rate schedules a trainer can use.</summary>
public enum ScheduleKind
{
    /// <summary>The base rate throughout.</summary>
    Constant,
    /// <summary>Multiply by <see cref="ArcFaceTrainerOptions.ScheduleGamma"/> every <see cref="ArcFaceTrainerOptions.ScheduleStepEpochs"/> epochs.</summary>
    Step,
    /// <summary>Multiply by <see cref="ArcFaceTrainerOptions.ScheduleGamma"/> at each of <see cref="ArcFaceTrainerOptions.ScheduleMilestones"/>.</summary>
    MultiStep,
    /// <summary>Linear warm-up for <see cref="ArcFaceTrainerOptions.WarmupEpochs"/>, then cosine decay to <see cref="ArcFaceTrainerOptions.MinLearningRate"/>.</summary>
    Cosine,
    /// <summary>Multiply by <see cref="ArcFaceTrainerOptions.ScheduleGamma"/> when the validation loss stops improving for <see cref="ArcFaceTrainerOptions.PlateauPatience"/> epochs.</summary>
    ReduceOnPlateau,
}

namespace MLNetMarginLoss;

/// <summary>Learning-rate schedules a trainer can use.</summary>
public enum ScheduleKind
{
    /// <summary>The base rate throughout.</summary>
    Constant,
    /// <summary>Multiply by <see cref="ArcFaceTrainer.Options.ScheduleGamma"/> every <see cref="ArcFaceTrainer.Options.ScheduleStepEpochs"/> epochs.</summary>
    Step,
    /// <summary>Multiply by <see cref="ArcFaceTrainer.Options.ScheduleGamma"/> at each of <see cref="ArcFaceTrainer.Options.ScheduleMilestones"/>.</summary>
    MultiStep,
    /// <summary>Linear warm-up for <see cref="ArcFaceTrainer.Options.WarmupEpochs"/>, then cosine decay to <see cref="ArcFaceTrainer.Options.MinLearningRate"/>.</summary>
    Cosine,
    /// <summary>Multiply by <see cref="ArcFaceTrainer.Options.ScheduleGamma"/> when the validation loss stops improving for <see cref="ArcFaceTrainer.Options.PlateauPatience"/> epochs.</summary>
    ReduceOnPlateau,
}

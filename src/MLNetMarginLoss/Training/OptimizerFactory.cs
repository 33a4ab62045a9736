using MLNetMarginLoss.Engine.Optimizers;
using MLNetMarginLoss.Engine.Schedules;

namespace MLNetMarginLoss.Training;

/// <summary>Builds the optimizer and learning-rate schedule that <see cref="TrainingSettings"/> describe.</summary>
internal static class OptimizerFactory
{
    public static Optimizer Create(TrainingSettings o, IReadOnlyList<ParameterGroup> groups) => o.Optimizer switch
    {
        OptimizerKind.Adam => new Adam(groups, o.LearningRate, weightDecay: o.WeightDecay),
        OptimizerKind.AdamW => new AdamW(groups, o.LearningRate, weightDecay: o.WeightDecay),
        OptimizerKind.Sgd => new Sgd(groups, o.LearningRate, momentum: o.Momentum, nesterov: o.Nesterov, weightDecay: o.WeightDecay),
        OptimizerKind.Adadelta => new Adadelta(groups, o.LearningRate, weightDecay: o.WeightDecay),
        _ => throw new ArgumentOutOfRangeException(nameof(o), o.Optimizer, "Unknown optimizer."),
    };

    public static LearningRateSchedule CreateSchedule(TrainingSettings o) => o.Schedule switch
    {
        ScheduleKind.Constant => new ConstantSchedule(o.LearningRate),
        ScheduleKind.Step => new StepSchedule(o.LearningRate, o.ScheduleStepEpochs, o.ScheduleGamma),
        ScheduleKind.MultiStep => new MultiStepSchedule(o.LearningRate, o.ScheduleMilestones, o.ScheduleGamma),
        ScheduleKind.Cosine => new CosineSchedule(o.LearningRate, o.MaxEpoch, o.WarmupEpochs, o.MinLearningRate),
        ScheduleKind.ReduceOnPlateau => new ReduceOnPlateauSchedule(o.LearningRate, o.ScheduleGamma, o.PlateauPatience, minLearningRate: o.MinLearningRate),
        _ => throw new ArgumentOutOfRangeException(nameof(o), o.Schedule, "Unknown schedule."),
    };
}

namespace MLNetMarginLoss.Engine.Optimizers;

/// <summary>
/// A snapshot of an optimizer's state for checkpoints: the number of steps taken and every slot array in a
/// fixed order. Restoring it into an optimizer built over the same parameter groups continues bit-identically.
/// </summary>
/// <param name="StepCount">Number of <see cref="Optimizer.Step"/> calls so far.</param>
/// <param name="Slots">Slot arrays in the optimizer's order (group, then parameter, then slot kind).</param>
internal sealed record OptimizerState(long StepCount, IReadOnlyList<OptimizerSlot> Slots);

namespace MLNetMarginLoss.Engine.Optimizers;

/// <summary>
/// One named array of optimizer state, e.g. <c>"group0.param3.exp_avg"</c>, as saved in a checkpoint.
/// </summary>
/// <param name="Name">Slot name: <c>group{g}.param{p}.{kind}</c>, where kind follows PyTorch's state keys.</param>
/// <param name="Values">The slot's values (a copy owned by whoever holds the state).</param>
internal sealed record OptimizerSlot(string Name, float[] Values);

namespace MLNetMarginLoss.Engine.Optimizers;

/// <summary>
/// Base class of the first-order optimizers. It walks the parameter groups, skips
/// <see cref="Parameter.Frozen"/> parameters, resolves each parameter's learning rate
/// (<see cref="LearningRate"/> × <see cref="ParameterGroup.LearningRateMultiplier"/>) and weight decay
/// (the group's override, else <see cref="WeightDecay"/>; zero for <see cref="Parameter.NoWeightDecay"/>),
/// and owns the per-parameter state buffers, so derived classes only implement the element-wise rule.
/// <para>
/// Like PyTorch, each parameter has its own step counter that advances only when the parameter is updated:
/// a parameter that is unfrozen later starts its moment estimates (and Adam's bias correction) afresh.
/// All state is allocated in the constructor; <see cref="Step"/> never allocates.
/// </para>
/// </summary>
internal abstract class Optimizer
{
    /// <summary>Slot kind holding a parameter's own step counter (see <see cref="GetState"/>).</summary>
    public const string StepSlotKind = "step";

    private const long StepLowRange = 1L << 24;

    private readonly ParameterGroup[] _groups;
    private readonly string[] _slotKinds;
    private readonly float[][][][] _slots;       // [group][parameter][slot kind] → buffer
    private readonly long[][] _parameterSteps;   // [group][parameter]
    private float _learningRate;

    /// <summary>Creates an optimizer without per-parameter state and without weight decay.</summary>
    /// <param name="groups">Parameter groups; every parameter may appear only once across them.</param>
    /// <param name="learningRate">Base learning rate (finite, ≥ 0).</param>
    protected Optimizer(IEnumerable<ParameterGroup> groups, float learningRate)
        : this(groups, learningRate, 0f, [])
    {
    }

    /// <summary>Creates an optimizer with the given default weight decay and per-parameter state slots.</summary>
    /// <param name="groups">Parameter groups; every parameter may appear only once across them.</param>
    /// <param name="learningRate">Base learning rate (finite, ≥ 0).</param>
    /// <param name="weightDecay">Weight decay for groups that do not override it (finite, ≥ 0).</param>
    /// <param name="slotKinds">
    /// Names of the state arrays kept per parameter, each as long as the parameter (PyTorch's state keys,
    /// e.g. <c>exp_avg</c>); they are passed to <see cref="UpdateParameter"/> in this order.
    /// </param>
    protected Optimizer(IEnumerable<ParameterGroup> groups, float learningRate, float weightDecay, IReadOnlyList<string> slotKinds)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(slotKinds);
        _groups = groups.ToArray();
        if (_groups.Length == 0)
            throw new ArgumentException("An optimizer needs at least one parameter group, got none.", nameof(groups));
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        int total = 0;
        for (int g = 0; g < _groups.Length; g++)
        {
            if (_groups[g] is null)
                throw new ArgumentException($"Parameter group {g} is null.", nameof(groups));
            foreach (var p in _groups[g].Parameters)
            {
                if (!seen.Add(p))
                    throw new ArgumentException(
                        $"Parameter '{p}' appears more than once (again in group {g}); each parameter may belong to one group only.",
                        nameof(groups));
                total++;
            }
        }
        if (total == 0)
            throw new ArgumentException("An optimizer needs at least one parameter, but every group is empty.", nameof(groups));
        if (!float.IsFinite(weightDecay) || weightDecay < 0f)
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, $"Weight decay must be finite and ≥ 0, got {weightDecay}.");

        LearningRate = learningRate;
        WeightDecay = weightDecay;
        _slotKinds = slotKinds.ToArray();
        _slots = new float[_groups.Length][][][];
        _parameterSteps = new long[_groups.Length][];
        for (int g = 0; g < _groups.Length; g++)
        {
            var parameters = _groups[g].Parameters;
            _slots[g] = new float[parameters.Count][][];
            _parameterSteps[g] = new long[parameters.Count];
            for (int p = 0; p < parameters.Count; p++)
            {
                var buffers = new float[_slotKinds.Length][];
                for (int s = 0; s < buffers.Length; s++) buffers[s] = new float[parameters[p].Length];
                _slots[g][p] = buffers;
            }
        }
    }

    /// <summary>
    /// The base learning rate (finite, ≥ 0). Each group uses it times its multiplier; a schedule sets it
    /// before each step.
    /// </summary>
    public float LearningRate
    {
        get => _learningRate;
        set
        {
            if (!float.IsFinite(value) || value < 0f)
                throw new ArgumentOutOfRangeException(nameof(value), value, $"Learning rate must be finite and ≥ 0, got {value}.");
            _learningRate = value;
        }
    }

    /// <summary>Weight decay used by groups whose <see cref="ParameterGroup.WeightDecay"/> is null.</summary>
    public float WeightDecay { get; }

    /// <summary>The parameter groups, in construction order.</summary>
    public IReadOnlyList<ParameterGroup> Groups => _groups;

    /// <summary>Number of <see cref="Step"/> calls so far (restored by <see cref="SetState"/>).</summary>
    public long StepCount { get; private set; }

    /// <summary>
    /// Updates every non-frozen parameter from its current <see cref="Parameter.Gradient"/> and advances
    /// <see cref="StepCount"/>. Gradients are left as they are (layers overwrite them on the next backward pass).
    /// </summary>
    public void Step()
    {
        StepCount++;
        for (int g = 0; g < _groups.Length; g++)
        {
            var group = _groups[g];
            float learningRate = _learningRate * group.LearningRateMultiplier;
            float groupDecay = group.WeightDecay ?? WeightDecay;
            var parameters = group.Parameters;
            for (int p = 0; p < parameters.Count; p++)
            {
                var parameter = parameters[p];
                if (parameter.Frozen) continue;
                long step = ++_parameterSteps[g][p];
                float decay = parameter.NoWeightDecay ? 0f : groupDecay;
                UpdateParameter(parameter.Value, parameter.Gradient, SlotSpans.Of(_slots[g][p]), step, learningRate, decay);
            }
        }
    }

    /// <summary>
    /// Applies the update rule to one parameter.
    /// </summary>
    /// <param name="value">The parameter values, updated in place.</param>
    /// <param name="gradient">The gradient, same length.</param>
    /// <param name="slots">This parameter's state arrays, in the order of the slot kinds given to the constructor.</param>
    /// <param name="step">This parameter's 1-based step number (1 on its first update).</param>
    /// <param name="learningRate">The group's effective learning rate.</param>
    /// <param name="weightDecay">The effective weight decay (0 when the parameter is exempt).</param>
    protected abstract void UpdateParameter(Span<float> value, ReadOnlySpan<float> gradient, SlotSpans slots,
        long step, float learningRate, float weightDecay);

    /// <summary>The names of the per-parameter state arrays (PyTorch's state keys), in the order <see cref="UpdateParameter"/> sees them.</summary>
    public IReadOnlyList<string> SlotKinds => _slotKinds;

    /// <summary>
    /// Applies this optimizer's update rule to values it does not own (rows of the class centres, updated lazily by
    /// <see cref="RowOptimizer"/>), with the given state, step number, learning rate and weight decay.
    /// </summary>
    internal void ApplyRule(Span<float> value, ReadOnlySpan<float> gradient, SlotSpans slots, long step, float learningRate, float weightDecay) =>
        UpdateParameter(value, gradient, slots, step, learningRate, weightDecay);

    /// <summary>Sets the gradient of every parameter in every group to zero.</summary>
    public void ZeroGradients()
    {
        foreach (var group in _groups)
            foreach (var parameter in group.Parameters)
                Array.Clear(parameter.Gradient);
    }

    /// <summary>
    /// Copies the optimizer's state: <see cref="StepCount"/> and, for each group g and parameter p in order,
    /// a slot <c>group{g}.param{p}.step</c> (the parameter's own step counter n, stored exactly as the two
    /// floats [n / 2²⁴, n mod 2²⁴]) followed by one slot per state kind, e.g. <c>group{g}.param{p}.exp_avg</c>.
    /// </summary>
    public OptimizerState GetState()
    {
        var slots = new List<OptimizerSlot>();
        for (int g = 0; g < _groups.Length; g++)
        {
            for (int p = 0; p < _slots[g].Length; p++)
            {
                long step = _parameterSteps[g][p];
                slots.Add(new OptimizerSlot(SlotName(g, p, StepSlotKind), [step / StepLowRange, step % StepLowRange]));
                for (int s = 0; s < _slotKinds.Length; s++)
                    slots.Add(new OptimizerSlot(SlotName(g, p, _slotKinds[s]), (float[])_slots[g][p][s].Clone()));
            }
        }
        return new OptimizerState(StepCount, slots);
    }

    /// <summary>
    /// Restores state saved by <see cref="GetState"/> from an optimizer of the same kind over groups of the
    /// same shape. Everything is checked before anything changes; a mismatch throws and leaves this optimizer as it was.
    /// </summary>
    public void SetState(OptimizerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(state.Slots);
        if (state.StepCount < 0)
            throw new ArgumentException($"Optimizer state has a negative step count ({state.StepCount}).", nameof(state));
        int expectedCount = 0;
        foreach (var bySlot in _slots) expectedCount += bySlot.Length * (1 + _slotKinds.Length);
        if (state.Slots.Count != expectedCount)
            throw new ArgumentException(
                $"Optimizer state has {state.Slots.Count} slots, expected {expectedCount} for {GetType().Name} over these parameter groups.",
                nameof(state));

        var steps = new long[_slots.Length][];
        int index = 0;
        for (int g = 0; g < _groups.Length; g++)
        {
            steps[g] = new long[_slots[g].Length];
            for (int p = 0; p < _slots[g].Length; p++)
            {
                var stepSlot = CheckSlot(state.Slots[index++], SlotName(g, p, StepSlotKind), 2);
                float high = stepSlot.Values[0], low = stepSlot.Values[1];
                if (!IsCount(high) || !IsCount(low) || low >= StepLowRange)
                    throw new ArgumentException(
                        $"Optimizer state slot '{stepSlot.Name}' must hold two non-negative integers [n / 2^24, n mod 2^24], got [{high}, {low}].",
                        nameof(state));
                steps[g][p] = (long)high * StepLowRange + (long)low;
                for (int s = 0; s < _slotKinds.Length; s++)
                    CheckSlot(state.Slots[index++], SlotName(g, p, _slotKinds[s]), _slots[g][p][s].Length);
            }
        }

        index = 0;
        for (int g = 0; g < _groups.Length; g++)
        {
            for (int p = 0; p < _slots[g].Length; p++)
            {
                index++;
                _parameterSteps[g][p] = steps[g][p];
                for (int s = 0; s < _slotKinds.Length; s++)
                    state.Slots[index++].Values.AsSpan().CopyTo(_slots[g][p][s]);
            }
        }
        StepCount = state.StepCount;

        static bool IsCount(float v) => float.IsFinite(v) && v >= 0f && v == MathF.Floor(v);
    }

    private static OptimizerSlot CheckSlot(OptimizerSlot? slot, string expectedName, int expectedLength)
    {
        if (slot is null || slot.Values is null)
            throw new ArgumentException($"Optimizer state slot '{expectedName}' is missing (null).", "state");
        if (slot.Name != expectedName)
            throw new ArgumentException($"Optimizer state slot is named '{slot.Name}', expected '{expectedName}' at this position.", "state");
        if (slot.Values.Length != expectedLength)
            throw new ArgumentException(
                $"Optimizer state slot '{expectedName}' has {slot.Values.Length} values, expected {expectedLength}.", "state");
        return slot;
    }

    private static string SlotName(int group, int parameter, string kind) => $"group{group}.param{parameter}.{kind}";

    /// <summary>Throws when <paramref name="value"/> is not finite or lies outside [<paramref name="min"/>, <paramref name="max"/>).</summary>
    protected static void RequireInRange(float value, float min, float max, bool maxInclusive, string name)
    {
        bool ok = float.IsFinite(value) && value >= min && (maxInclusive ? value <= max : value < max);
        if (!ok)
            throw new ArgumentOutOfRangeException(name, value,
                $"{name} must be in [{min}, {max}{(maxInclusive ? "]" : ")")}, got {value}.");
    }

    /// <summary>Throws when <paramref name="value"/> is not finite or is negative.</summary>
    protected static void RequireNonNegative(float value, string name)
    {
        if (!float.IsFinite(value) || value < 0f)
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be finite and ≥ 0, got {value}.");
    }
}

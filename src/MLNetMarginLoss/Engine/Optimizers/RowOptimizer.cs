namespace MLNetMarginLoss.Engine.Optimizers;

/// <summary>
/// Updates the rows of a large parameter — the class centres — lazily, with another optimizer's update rule
/// (<see cref="Optimizer.ApplyRule"/>: SGD with momentum/Nesterov, Adam, AdamW, Adadelta, same hyper-parameters, the
/// learning rate × <see cref="LearningRateMultiplier"/>). Each row keeps its own state (one <see cref="RowMatrix"/>
/// per slot kind, paged like the values) and its own step count, as if every row were its own PyTorch parameter.
/// <para>
/// A step updates exactly the rows it is given — with Partial FC, the centres of the classes sampled for the batch.
/// Unsampled rows are untouched: no weight decay, no momentum carried forward, their moments (Adam, AdamW) and
/// accumulators (Adadelta) frozen until the row is next sampled, and their own step count (which drives Adam's bias
/// correction) not advanced. This is the "lazy" behaviour of insightface's memory-bank Partial FC and TensorFlow's
/// LazyAdam, not that of a dense optimizer seeing zero gradients (which would keep decaying and moving unsampled rows).
/// When every row is updated at every step (no sampling), it is exactly the dense optimizer.
/// </para>
/// </summary>
internal sealed class RowOptimizer
{
    private const long StepLowRange = 1L << 24;
    private readonly Optimizer _rule;
    private readonly RowMatrix[] _state;
    private readonly long[] _steps;

    /// <summary>State for every row of <paramref name="values"/>, updated with <paramref name="rule"/>'s update rule.</summary>
    public RowOptimizer(Optimizer rule, RowMatrix values, float learningRateMultiplier)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(values);
        if (!float.IsFinite(learningRateMultiplier) || learningRateMultiplier < 0)
            throw new ArgumentOutOfRangeException(nameof(learningRateMultiplier), learningRateMultiplier, "The learning-rate multiplier must be finite and ≥ 0.");
        if (rule.SlotKinds.Count > 3) throw new ArgumentException("An update rule with more than three state slots is not supported.", nameof(rule));
        if (values.Rows > int.MaxValue) throw new ArgumentException($"{values.Rows} rows are more than a step count array holds.", nameof(values));
        _rule = rule;
        Values = values;
        LearningRateMultiplier = learningRateMultiplier;
        _state = rule.SlotKinds.Select(_ => new RowMatrix(values.Rows, values.Cols, values.RowsPerPage * values.Cols)).ToArray();
        _steps = new long[values.Rows];
    }

    /// <summary>The rows' values.</summary>
    public RowMatrix Values { get; }

    /// <summary>Factor applied to the rule's learning rate.</summary>
    public float LearningRateMultiplier { get; }

    /// <summary>Floats of state per value (the rule's slot kinds).</summary>
    public int SlotCount => _state.Length;

    /// <summary>Bytes this optimizer holds for a [rows, cols] parameter with <paramref name="slots"/> slot kinds.</summary>
    public static long StateBytes(long rows, int cols, int slots) => rows * cols * sizeof(float) * slots + rows * sizeof(long);

    /// <summary>Updates the rows <paramref name="rows"/> with the gradient rows from <paramref name="gradientRow"/> (row i of the list).</summary>
    public void Step(ReadOnlySpan<long> rows, GradientRows gradientRow)
    {
        float learningRate = _rule.LearningRate * LearningRateMultiplier, decay = _rule.WeightDecay;
        for (int i = 0; i < rows.Length; i++)
        {
            long r = rows[i];
            _rule.ApplyRule(Values.Row(r), gradientRow(i), Slots(r), ++_steps[r], learningRate, decay);
        }
    }

    /// <summary>
    /// Updates every row: those in <paramref name="rows"/> (ascending) with their gradients, all others with a zero
    /// gradient — a dense optimizer's step, in which momentum, the moments and weight decay keep acting on rows that got
    /// no gradient (insightface's partial_fc_v2 with a dense optimizer). O(rows × cols) per step.
    /// </summary>
    public void StepAll(ReadOnlySpan<long> rows, GradientRows gradientRow)
    {
        if (_zero.Length < Values.Cols) _zero = new float[Values.Cols];
        float learningRate = _rule.LearningRate * LearningRateMultiplier, decay = _rule.WeightDecay;
        int next = 0;
        for (long r = 0; r < Values.Rows; r++)
        {
            ReadOnlySpan<float> gradient;
            if (next < rows.Length && rows[next] == r) gradient = gradientRow(next++);
            else gradient = _zero;
            _rule.ApplyRule(Values.Row(r), gradient, Slots(r), ++_steps[r], learningRate, decay);
        }
    }

    private float[] _zero = [];

    /// <summary>Row <paramref name="r"/> of each state slot.</summary>
    private SlotSpans Slots(long r) => _state.Length switch
    {
        0 => default,
        1 => new SlotSpans(_state[0].Row(r)),
        2 => new SlotSpans(_state[0].Row(r), _state[1].Row(r)),
        _ => new SlotSpans(_state[0].Row(r), _state[1].Row(r), _state[2].Row(r)),
    };

    /// <summary>The gradient of entry <paramref name="index"/> of a step's row list.</summary>
    public delegate ReadOnlySpan<float> GradientRows(int index);

    /// <summary>
    /// The state as checkpoint slots named <paramref name="prefix"/>.step (each row's count as two floats
    /// [n / 2²⁴, n mod 2²⁴]) and <paramref name="prefix"/>.{kind} (one slot per page, suffixed .p{page} when there are several).
    /// </summary>
    public IEnumerable<OptimizerSlot> GetState(string prefix)
    {
        var steps = new float[checked(_steps.Length * 2)];
        for (int r = 0; r < _steps.Length; r++) { steps[2 * r] = _steps[r] / StepLowRange; steps[2 * r + 1] = _steps[r] % StepLowRange; }
        yield return new OptimizerSlot(prefix + ".step", steps);
        for (int s = 0; s < _state.Length; s++)
            for (int p = 0; p < _state[s].PageCount; p++)
                yield return new OptimizerSlot(SlotName(prefix, s, p), (float[])_state[s].Page(p).Clone());
    }

    /// <summary>Restores <see cref="GetState"/>'s slots (looked up by name); everything is checked before anything changes.</summary>
    /// <exception cref="ArgumentException">A slot is missing or has the wrong size.</exception>
    public void SetState(string prefix, IReadOnlyDictionary<string, float[]> slots)
    {
        if (!slots.TryGetValue(prefix + ".step", out var steps) || steps.Length != _steps.Length * 2)
            throw new ArgumentException($"Optimizer state slot '{prefix}.step' is missing or does not hold two values per row.", nameof(slots));
        for (int s = 0; s < _state.Length; s++)
            for (int p = 0; p < _state[s].PageCount; p++)
                if (!slots.TryGetValue(SlotName(prefix, s, p), out var page) || page.Length != _state[s].Page(p).Length)
                    throw new ArgumentException($"Optimizer state slot '{SlotName(prefix, s, p)}' is missing or has the wrong size.", nameof(slots));
        for (int r = 0; r < _steps.Length; r++) _steps[r] = (long)steps[2 * r] * StepLowRange + (long)steps[2 * r + 1];
        for (int s = 0; s < _state.Length; s++)
            for (int p = 0; p < _state[s].PageCount; p++)
                slots[SlotName(prefix, s, p)].AsSpan().CopyTo(_state[s].Page(p));
    }

    private string SlotName(string prefix, int slot, int page) => SlotName(prefix, _rule.SlotKinds[slot], page, _state[slot].PageCount);

    /// <summary>The checkpoint name of page <paramref name="page"/> of slot kind <paramref name="kind"/> in a state of <paramref name="pageCount"/> pages per kind.</summary>
    internal static string SlotName(string prefix, string kind, int page, int pageCount) => $"{prefix}.{kind}" + (pageCount > 1 ? $".p{page}" : "");

    /// <summary>
    /// Reads a <see cref="GetState"/> slot name: false for the step counts and for names without <paramref name="prefix"/>;
    /// else the slot kind and the page (0 when the state has a single page).
    /// </summary>
    internal static bool TryParseSlotName(string prefix, string name, out string kind, out int page)
    {
        kind = "";
        page = 0;
        if (!name.StartsWith(prefix + ".", StringComparison.Ordinal) || name == prefix + ".step") return false;
        kind = name[(prefix.Length + 1)..];
        int dot = kind.LastIndexOf(".p", StringComparison.Ordinal);
        if (dot > 0 && int.TryParse(kind.AsSpan(dot + 2), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out page))
            kind = kind[..dot];
        return true;
    }
}

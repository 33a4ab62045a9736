namespace MLNetMarginLoss.Engine.Optimizers;

/// <summary>
/// A set of parameters that share optimizer settings: a learning-rate multiplier applied to the optimizer's
/// base rate, and optionally a weight decay that replaces the optimizer's own. A trainer typically gives the
/// encoder one group and the margin head another with its own multiplier.
/// </summary>
internal sealed class ParameterGroup
{
    private float _learningRateMultiplier;
    private float? _weightDecay;

    /// <summary>Creates a group.</summary>
    /// <param name="parameters">The parameters, in a stable order (checkpoint slots are named by position).</param>
    /// <param name="learningRateMultiplier">Factor applied to the optimizer's base learning rate for this group (≥ 0).</param>
    /// <param name="weightDecay">Weight decay for this group (≥ 0); null uses the optimizer's own.</param>
    public ParameterGroup(IEnumerable<Parameter> parameters, float learningRateMultiplier = 1f, float? weightDecay = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var list = parameters.ToArray();
        for (int i = 0; i < list.Length; i++)
        {
            if (list[i] is null)
                throw new ArgumentException($"Parameter group entry {i} is null; expected a Parameter.", nameof(parameters));
        }
        Parameters = list;
        LearningRateMultiplier = learningRateMultiplier;
        WeightDecay = weightDecay;
    }

    /// <summary>The parameters of this group.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Factor applied to the optimizer's base learning rate for this group (finite, ≥ 0).</summary>
    public float LearningRateMultiplier
    {
        get => _learningRateMultiplier;
        set
        {
            if (!float.IsFinite(value) || value < 0f)
                throw new ArgumentOutOfRangeException(nameof(value), value,
                    $"Learning-rate multiplier must be finite and ≥ 0, got {value}.");
            _learningRateMultiplier = value;
        }
    }

    /// <summary>Weight decay for this group, overriding the optimizer's; null uses the optimizer's (finite, ≥ 0).</summary>
    public float? WeightDecay
    {
        get => _weightDecay;
        set
        {
            if (value is float v && (!float.IsFinite(v) || v < 0f))
                throw new ArgumentOutOfRangeException(nameof(value), value,
                    $"Group weight decay must be finite and ≥ 0, got {v}.");
            _weightDecay = value;
        }
    }
}

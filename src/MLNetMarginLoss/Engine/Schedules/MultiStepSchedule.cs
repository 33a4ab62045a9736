namespace MLNetMarginLoss.Engine.Schedules;

/// <summary>
/// Multiplies the rate by <see cref="Gamma"/> at each milestone epoch (PyTorch's <c>MultiStepLR</c> stepped
/// once per epoch): lr = base · γ^(number of milestones ≤ epoch). A milestone listed twice decays twice.
/// </summary>
internal sealed class MultiStepSchedule : LearningRateSchedule
{
    private readonly int[] _milestones;

    /// <summary>Creates a multi-step schedule.</summary>
    /// <param name="baseLearningRate">Initial rate (finite, ≥ 0).</param>
    /// <param name="milestones">Zero-based epochs from which the next decay applies (each ≥ 0, any order).</param>
    /// <param name="gamma">Decay factor (finite, &gt; 0; typically 0.1).</param>
    public MultiStepSchedule(float baseLearningRate, IEnumerable<int> milestones, double gamma = 0.1) : base(baseLearningRate)
    {
        ArgumentNullException.ThrowIfNull(milestones);
        _milestones = milestones.Order().ToArray();
        if (_milestones.Length == 0)
            throw new ArgumentException("Multi-step schedule needs at least one milestone epoch, got none.", nameof(milestones));
        if (_milestones[0] < 0)
            throw new ArgumentOutOfRangeException(nameof(milestones), _milestones[0], $"Milestones must be ≥ 0 (zero-based epochs), got {_milestones[0]}.");
        ValidateGamma(gamma, nameof(gamma));
        Gamma = gamma;
    }

    /// <summary>The milestones, ascending.</summary>
    public IReadOnlyList<int> Milestones => _milestones;

    /// <summary>Decay factor.</summary>
    public double Gamma { get; }

    /// <inheritdoc />
    public override float GetLearningRate(int epoch, int stepInEpoch, int stepsPerEpoch)
    {
        ValidatePosition(epoch, stepInEpoch, stepsPerEpoch);
        int passed = 0;
        while (passed < _milestones.Length && _milestones[passed] <= epoch) passed++;
        return (float)(BaseLearningRate * Math.Pow(Gamma, passed));
    }
}

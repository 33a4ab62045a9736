namespace MLNetMarginLoss.Engine.Schedules;

/// <summary>
/// Lowers the rate when the validation loss stops improving, with the semantics of PyTorch's
/// <c>ReduceLROnPlateau</c> in mode "min" with a relative threshold: an epoch improves when
/// loss &lt; best · (1 − threshold); after more than <see cref="Patience"/> epochs without improvement the rate
/// becomes max(rate · factor, minLr) (skipped when that changes it by at most 1e-8), the bad-epoch count
/// restarts and <see cref="Cooldown"/> epochs follow in which bad epochs are not counted.
/// Epochs reported without a validation loss (null) leave the schedule unchanged.
/// </summary>
internal sealed class ReduceOnPlateauSchedule : LearningRateSchedule
{
    private const double MinimalChange = 1e-8;

    private double _learningRate;
    private double _best;
    private int _badEpochs;
    private int _cooldownCounter;

    /// <summary>Creates a reduce-on-plateau schedule.</summary>
    /// <param name="baseLearningRate">Initial rate (finite, ≥ 0).</param>
    /// <param name="factor">Factor the rate is multiplied by on a plateau, in (0, 1).</param>
    /// <param name="patience">Epochs without improvement tolerated before reducing (≥ 0).</param>
    /// <param name="threshold">Relative improvement that counts (≥ 0).</param>
    /// <param name="cooldown">Epochs after a reduction during which bad epochs are not counted (≥ 0).</param>
    /// <param name="minLearningRate">Floor for the rate (≥ 0).</param>
    public ReduceOnPlateauSchedule(float baseLearningRate, double factor = 0.1, int patience = 10, double threshold = 1e-4,
        int cooldown = 0, float minLearningRate = 0f) : base(baseLearningRate)
    {
        if (!double.IsFinite(factor) || factor <= 0 || factor >= 1)
            throw new ArgumentOutOfRangeException(nameof(factor), factor, $"Factor must be in (0, 1), got {factor}.");
        if (patience < 0)
            throw new ArgumentOutOfRangeException(nameof(patience), patience, $"Patience must be ≥ 0 epochs, got {patience}.");
        if (!double.IsFinite(threshold) || threshold < 0)
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, $"Threshold must be finite and ≥ 0, got {threshold}.");
        if (cooldown < 0)
            throw new ArgumentOutOfRangeException(nameof(cooldown), cooldown, $"Cooldown must be ≥ 0 epochs, got {cooldown}.");
        if (!float.IsFinite(minLearningRate) || minLearningRate < 0f)
            throw new ArgumentOutOfRangeException(nameof(minLearningRate), minLearningRate,
                $"Minimum learning rate must be finite and ≥ 0, got {minLearningRate}.");
        Factor = factor;
        Patience = patience;
        Threshold = threshold;
        Cooldown = cooldown;
        MinLearningRate = minLearningRate;
        _learningRate = baseLearningRate;
        _best = double.MaxValue;
    }

    /// <summary>Factor applied on a plateau.</summary>
    public double Factor { get; }

    /// <summary>Epochs without improvement tolerated before reducing.</summary>
    public int Patience { get; }

    /// <summary>Relative improvement that counts.</summary>
    public double Threshold { get; }

    /// <summary>Epochs after a reduction during which bad epochs are not counted.</summary>
    public int Cooldown { get; }

    /// <summary>Floor for the rate.</summary>
    public float MinLearningRate { get; }

    /// <summary>The best validation loss seen so far (<see cref="double.MaxValue"/> before any).</summary>
    public double BestLoss => _best;

    /// <summary>Consecutive epochs without improvement, as counted now.</summary>
    public int BadEpochs => _badEpochs;

    /// <inheritdoc />
    public override float GetLearningRate(int epoch, int stepInEpoch, int stepsPerEpoch)
    {
        ValidatePosition(epoch, stepInEpoch, stepsPerEpoch);
        return (float)_learningRate;
    }

    /// <inheritdoc />
    public override void ReportEpochEnd(int epoch, double? validationLoss)
    {
        if (validationLoss is not double loss) return;
        if (loss < _best * (1.0 - Threshold))
        {
            _best = loss;
            _badEpochs = 0;
        }
        else
        {
            _badEpochs++;
        }

        if (_cooldownCounter > 0)
        {
            _cooldownCounter--;
            _badEpochs = 0;
        }

        if (_badEpochs > Patience)
        {
            double reduced = Math.Max(_learningRate * Factor, MinLearningRate);
            if (_learningRate - reduced > MinimalChange) _learningRate = reduced;
            _cooldownCounter = Cooldown;
            _badEpochs = 0;
        }
    }

    /// <summary>State: [current rate, best loss, bad epochs, cooldown counter].</summary>
    public override double[] GetState() => [_learningRate, _best, _badEpochs, _cooldownCounter];

    /// <inheritdoc />
    public override void SetState(double[] state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Length != 4)
            throw new ArgumentException(
                $"Reduce-on-plateau state has 4 values [rate, best, bad epochs, cooldown], got {state.Length}.", nameof(state));
        if (!double.IsFinite(state[0]) || state[0] < 0)
            throw new ArgumentException($"Reduce-on-plateau state rate must be finite and ≥ 0, got {state[0]}.", nameof(state));
        if (double.IsNaN(state[1]))
            throw new ArgumentException("Reduce-on-plateau state best loss is NaN.", nameof(state));
        for (int i = 2; i < 4; i++)
        {
            if (!double.IsFinite(state[i]) || state[i] < 0 || state[i] != Math.Floor(state[i]) || state[i] > int.MaxValue)
                throw new ArgumentException(
                    $"Reduce-on-plateau state counter {i} must be a non-negative integer, got {state[i]}.", nameof(state));
        }
        _learningRate = state[0];
        _best = state[1];
        _badEpochs = (int)state[2];
        _cooldownCounter = (int)state[3];
    }
}

using MLNetMarginLoss.Training;
using TorchSharp;
using static TorchSharp.torch;
using OptimizerSlot = MLNetMarginLoss.Engine.Optimizers.OptimizerSlot;
using EngineSgd = MLNetMarginLoss.Engine.Optimizers.Sgd;

namespace MLNetMarginLoss.TorchBackend.Training;

/// <summary>
/// The device twin of the engine's <see cref="Engine.Optimizers.RowOptimizer"/>: lazy row updates of the class centres
/// with the engine's update rules (Adam, AdamW, SGD with momentum or Nesterov, Adadelta — the same element-wise
/// arithmetic in the same order, in float), per-row state tensors on the device and per-row step counts on the host
/// (their bias corrections, computed in double like the engine's, go to the device as one float per row). A step
/// updates exactly the given rows (all rows without Partial FC); unsampled rows keep their values and their state.
/// The state converts to and from the engine's checkpoint slots ("centers.step", "centers.exp_avg", …).
/// Written by hand because TorchSharp's optimizers are dense: they would decay and move every row at every step.
/// </summary>
internal sealed class TorchRowOptimizer : IDisposable
{
    private const long StepLowRange = 1L << 24;
    // The engine's hyper-parameters, in float as the engine keeps them.
    private const float Beta1 = 0.9f, Beta2 = 0.999f, AdamEpsilon = 1e-8f, Rho = 0.9f, AdadeltaEpsilon = 1e-6f;

    private readonly TrainingSettings _settings;
    private readonly Tensor _values;
    private readonly Tensor[] _state;
    private readonly string[] _kinds;
    private readonly long[] _steps;

    /// <summary>State for every row of <paramref name="values"/> ([rows, E] on its device).</summary>
    public TorchRowOptimizer(TrainingSettings settings, Tensor values)
    {
        _settings = settings;
        _values = values;
        _kinds = settings.Optimizer switch
        {
            OptimizerKind.Adam or OptimizerKind.AdamW => ["exp_avg", "exp_avg_sq"],
            OptimizerKind.Adadelta => ["square_avg", "acc_delta"],
            OptimizerKind.Sgd => settings.Momentum != 0 ? [EngineSgd.MomentumBufferSlot] : [],
            _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Optimizer, "Unknown optimizer."),
        };
        _state = _kinds.Select(_ => zeros_like(values).DetachFromDisposeScope()).ToArray();
        _steps = new long[values.shape[0]];
    }

    /// <summary>
    /// Updates the rows <paramref name="rows"/> (host indices, ascending; null = every row) with the gradient
    /// <paramref name="gradient"/> ([rows, E]) at the base rate <paramref name="learningRate"/>.
    /// </summary>
    public void Step(long[]? rows, Tensor? rowIndex, Tensor gradient, float learningRate)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        int count = rows?.Length ?? _steps.Length;
        var steps = new long[count];
        for (int i = 0; i < count; i++) steps[i] = rows is null ? ++_steps[i] : ++_steps[rows[i]];
        float lr = learningRate * _settings.HeadLearningRateMultiplier, wd = _settings.WeightDecay;
        var p = rows is null ? _values : _values.index_select(0, rowIndex!);
        var slots = _state.Select(s => rows is null ? s : s.index_select(0, rowIndex!)).ToArray();
        var g = gradient;
        switch (_settings.Optimizer)
        {
            case OptimizerKind.Adam:
            case OptimizerKind.AdamW:
            {
                bool decoupled = _settings.Optimizer == OptimizerKind.AdamW;
                var negStep = new float[count];
                var bc2Sqrt = new float[count];
                for (int i = 0; i < count; i++)
                {
                    double bc1 = 1.0 - Math.Pow(Beta1, steps[i]), bc2 = 1.0 - Math.Pow(Beta2, steps[i]);
                    negStep[i] = (float)(-lr / bc1);
                    bc2Sqrt[i] = (float)Math.Sqrt(bc2);
                }
                var vNeg = tensor(negStep, [count, 1], ScalarType.Float32, p.device);
                var vBc2 = tensor(bc2Sqrt, [count, 1], ScalarType.Float32, p.device);
                if (decoupled) p.mul_((float)(1.0 - (double)lr * wd));
                var d = decoupled || wd == 0 ? g : g + p * wd;
                var m = slots[0].mul_(Beta1).add_(d * (float)(1.0 - Beta1));
                var v = slots[1].mul_(Beta2).add_(d * (float)(1.0 - Beta2) * d);
                var denom = v.sqrt() / vBc2 + AdamEpsilon;
                p.add_(vNeg * (m / denom));
                break;
            }
            case OptimizerKind.Sgd:
            {
                var d = wd == 0 ? g : g + p * wd;
                if (slots.Length == 1)
                {
                    var first = tensor(steps.Select(s => s == 1 ? 1f : 0f).ToArray(), [count, 1], ScalarType.Float32, p.device);
                    float momentum = _settings.Momentum;
                    // First step of a row: the buffer becomes d (0·buf + 1·d); later: momentum·buf + 1·d (no dampening).
                    var keep = (1 - first) * momentum;
                    var buf = slots[0].mul_(keep).add_(d);
                    d = _settings.Nesterov ? d + buf * momentum : buf;
                }
                p.add_(d * -lr);
                break;
            }
            case OptimizerKind.Adadelta:
            {
                var d = wd == 0 ? g : g + p * wd;
                var s = slots[0].mul_(Rho).add_(d * (float)(1.0 - Rho) * d);
                var delta = (slots[1] + AdadeltaEpsilon).sqrt() / (s + AdadeltaEpsilon).sqrt() * d;
                slots[1].mul_(Rho).add_(delta * (float)(1.0 - Rho) * delta);
                p.add_(delta * -lr);
                break;
            }
        }
        if (rows is not null)
        {
            _values.index_copy_(0, rowIndex!, p);
            for (int k = 0; k < _state.Length; k++) _state[k].index_copy_(0, rowIndex!, slots[k]);
        }
    }

    /// <summary>The state in the engine's slot format (see <see cref="Engine.Optimizers.RowOptimizer.GetState"/>), for one page of rows.</summary>
    public IEnumerable<OptimizerSlot> GetState(string prefix)
    {
        var steps = new float[checked(_steps.Length * 2)];
        for (int r = 0; r < _steps.Length; r++) { steps[2 * r] = _steps[r] / StepLowRange; steps[2 * r + 1] = _steps[r] % StepLowRange; }
        yield return new OptimizerSlot(prefix + ".step", steps);
        for (int k = 0; k < _state.Length; k++)
            yield return new OptimizerSlot($"{prefix}.{_kinds[k]}", Modules.TensorTransfer.ToArray(_state[k]));
    }

    /// <summary>Restores <see cref="GetState"/>'s (or the engine's single-page) slots.</summary>
    public void SetState(string prefix, IReadOnlyDictionary<string, float[]> slots)
    {
        if (!slots.TryGetValue(prefix + ".step", out var steps) || steps.Length != _steps.Length * 2)
            throw new ArgumentException($"Optimizer state slot '{prefix}.step' is missing or does not hold two values per row.", nameof(slots));
        long length = _values.numel();
        for (int k = 0; k < _state.Length; k++)
            if (!slots.TryGetValue($"{prefix}.{_kinds[k]}", out var values) || values.LongLength != length)
                throw new ArgumentException($"Optimizer state slot '{prefix}.{_kinds[k]}' is missing or has the wrong size (the TorchSharp backend resumes single-page centre states).", nameof(slots));
        for (int r = 0; r < _steps.Length; r++) _steps[r] = (long)steps[2 * r] * StepLowRange + (long)steps[2 * r + 1];
        using var _ = no_grad();
        for (int k = 0; k < _state.Length; k++)
        {
            using var scope = NewDisposeScope();
            _state[k].copy_(tensor(slots[$"{prefix}.{_kinds[k]}"], _values.shape, ScalarType.Float32));
        }
    }

    public void Dispose()
    {
        foreach (var s in _state) s.Dispose();
    }
}

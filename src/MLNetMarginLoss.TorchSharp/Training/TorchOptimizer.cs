using MLNetMarginLoss.TorchBackend.Modules;
using MLNetMarginLoss.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using EngineParameter = MLNetMarginLoss.Engine.Parameter;
using TorchParameter = TorchSharp.Modules.Parameter;
using OptimizerState = MLNetMarginLoss.Engine.Optimizers.OptimizerState;
using OptimizerSlot = MLNetMarginLoss.Engine.Optimizers.OptimizerSlot;
using EngineOptimizer = MLNetMarginLoss.Engine.Optimizers.Optimizer;
using EngineSgd = MLNetMarginLoss.Engine.Optimizers.Sgd;
using TorchOptimizerState = TorchSharp.Modules.OptimizerState;

namespace MLNetMarginLoss.TorchBackend.Training;

/// <summary>
/// TorchSharp's optimizer (Adam, AdamW, SGD with momentum or Nesterov, Adadelta: the PyTorch update rules, which the
/// engine's optimizers follow too) over the engine's parameter groups of dense parameters: the encoder's, then the
/// plain softmax head's with <see cref="ArcFaceTrainer.Options.HeadLearningRateMultiplier"/> (class centres are updated
/// row by row by <see cref="TorchRowOptimizer"/>). Each engine group becomes two TorchSharp groups,
/// with and without weight decay, because the engine exempts biases and normalisation parameters from decay
/// (<see cref="EngineParameter.NoWeightDecay"/>). Frozen parameters have no gradient, so they are skipped and their
/// step counts stay put, as in the engine. The per-parameter state converts to and from the engine's
/// <see cref="OptimizerState"/> (slot names <c>group{g}.param{p}.exp_avg</c>, …), so checkpoints are shared.
/// </summary>
internal sealed class TorchOptimizer : IDisposable
{
    private const long StepLowRange = 1L << 24;

    private readonly OptimizerKind _kind;
    private readonly bool _momentum;
    private readonly optim.Optimizer _optimizer;
    private readonly List<(ParamGroup Group, float Multiplier)> _groups = [];
    private readonly List<Entry> _entries = [];
    private long _stepCount;

    private sealed record Entry(int Group, int Index, TorchParameter Torch, EngineParameter Engine)
    {
        /// <summary>Updates this parameter received (TorchSharp's SGD and Adadelta do not count them).</summary>
        public long Steps { get; set; }
    }

    /// <param name="options">The training settings (optimizer, rates, decay, momentum).</param>
    /// <param name="groups">Per engine group: its learning-rate multiplier and its (TorchSharp, engine) parameter pairs in engine order.</param>
    public TorchOptimizer(TrainingSettings options, IReadOnlyList<(float Multiplier, IReadOnlyList<(TorchParameter Torch, EngineParameter Engine)> Parameters)> groups)
    {
        _kind = options.Optimizer;
        _momentum = options.Momentum != 0;
        double lr = options.LearningRate, wd = options.WeightDecay;
        for (int g = 0; g < groups.Count; g++)
            for (int p = 0; p < groups[g].Parameters.Count; p++)
                _entries.Add(new Entry(g, p, groups[g].Parameters[p].Torch, groups[g].Parameters[p].Engine));

        var split = new List<(float Multiplier, List<TorchParameter> Parameters, double Decay)>();
        for (int g = 0; g < groups.Count; g++)
        {
            var decayed = groups[g].Parameters.Where(p => !p.Engine.NoWeightDecay).Select(p => p.Torch).ToList();
            var exempt = groups[g].Parameters.Where(p => p.Engine.NoWeightDecay).Select(p => p.Torch).ToList();
            if (decayed.Count > 0) split.Add((groups[g].Multiplier, decayed, wd));
            if (exempt.Count > 0) split.Add((groups[g].Multiplier, exempt, 0));
        }
        double GroupRate(float multiplier) => (float)options.LearningRate * multiplier;
        // The engine keeps its hyper-parameters in float (β₂ = 0.999f is 0.99900001287…); the same values go to TorchSharp.
        const double Beta1 = 0.9f, Beta2 = 0.999f, AdamEpsilon = 1e-8f, Rho = 0.9f, AdadeltaEpsilon = 1e-6f;
        switch (_kind)
        {
            case OptimizerKind.Adam:
            {
                var pg = split.Select(s => new Adam.ParamGroup(s.Parameters, GroupRate(s.Multiplier), Beta1, Beta2, AdamEpsilon, s.Decay, false, false)).ToList();
                _optimizer = optim.Adam(pg, lr);
                _groups.AddRange(pg.Select((g, i) => ((ParamGroup)g, split[i].Multiplier)));
                break;
            }
            case OptimizerKind.AdamW:
            {
                var pg = split.Select(s => new AdamW.ParamGroup(s.Parameters, GroupRate(s.Multiplier), Beta1, Beta2, AdamEpsilon, s.Decay, false, false)).ToList();
                _optimizer = optim.AdamW(pg, lr);
                _groups.AddRange(pg.Select((g, i) => ((ParamGroup)g, split[i].Multiplier)));
                break;
            }
            case OptimizerKind.Sgd:
            {
                var pg = split.Select(s => new SGD.ParamGroup(s.Parameters, GroupRate(s.Multiplier), options.Momentum, 0, s.Decay, options.Nesterov, false)).ToList();
                _optimizer = optim.SGD(pg, lr, options.Momentum, 0, 0, options.Nesterov, false);
                _groups.AddRange(pg.Select((g, i) => ((ParamGroup)g, split[i].Multiplier)));
                break;
            }
            case OptimizerKind.Adadelta:
            {
                var pg = split.Select(s => new Adadelta.ParamGroup(s.Parameters, GroupRate(s.Multiplier), Rho, AdadeltaEpsilon, s.Decay, false)).ToList();
                _optimizer = optim.Adadelta(pg, lr);
                _groups.AddRange(pg.Select((g, i) => ((ParamGroup)g, split[i].Multiplier)));
                break;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(options), options.Optimizer, "Unknown optimizer.");
        }
    }

    /// <summary>Sets every group's rate to <paramref name="learningRate"/> × its multiplier (rounded to float as the engine does).</summary>
    public void SetLearningRate(float learningRate)
    {
        foreach (var (group, multiplier) in _groups) group.LearningRate = learningRate * multiplier;
    }

    /// <summary>Clears the gradients.</summary>
    public void ZeroGrad() => _optimizer.zero_grad();

    /// <summary>One update of every parameter that has a gradient.</summary>
    public void Step()
    {
        _optimizer.step();
        _stepCount++;
        foreach (var e in _entries)
            if (e.Torch.requires_grad) e.Steps++;
    }

    /// <summary>The state as the engine's optimizer would hold it (for checkpoints shared by both backends).</summary>
    public OptimizerState ToEngineState()
    {
        var states = PerParameterState();
        var slots = new List<OptimizerSlot>();
        for (int i = 0; i < _entries.Count; i++)
        {
            var e = _entries[i];
            long steps = e.Steps;
            slots.Add(new OptimizerSlot(SlotName(e, EngineOptimizer.StepSlotKind), [steps / StepLowRange, steps % StepLowRange]));
            foreach (var (kind, tensor) in Tensors(states[i]))
                slots.Add(new OptimizerSlot(SlotName(e, kind), tensor is null ? new float[e.Engine.Length] : TensorTransfer.ToArray(tensor)));
        }
        return new OptimizerState(_stepCount, slots);
    }

    /// <summary>Restores state saved by <see cref="ToEngineState"/> or by the engine's optimizer for the same options and groups.</summary>
    public void LoadEngineState(OptimizerState state)
    {
        var byName = state.Slots.ToDictionary(s => s.Name, s => s.Values, StringComparer.Ordinal);
        var states = PerParameterState();
        using var _ = no_grad();
        for (int i = 0; i < _entries.Count; i++)
        {
            var e = _entries[i];
            var stepValues = Slot(byName, SlotName(e, EngineOptimizer.StepSlotKind), 2);
            long steps = (long)stepValues[0] * StepLowRange + (long)stepValues[1];
            e.Steps = steps;
            var shape = e.Engine.Dims.Select(d => (long)d).ToArray();
            Tensor Load(string kind) => DeviceUpload.Floats(Slot(byName, SlotName(e, kind), e.Engine.Length), shape, e.Torch.device);
            switch (states[i])
            {
                case Adam.State a:
                    a.step = steps;
                    using (var m = Load("exp_avg")) a.exp_avg.copy_(m);
                    using (var v = Load("exp_avg_sq")) a.exp_avg_sq.copy_(v);
                    break;
                case AdamW.State a:
                    a.step = steps;
                    using (var m = Load("exp_avg")) a.exp_avg.copy_(m);
                    using (var v = Load("exp_avg_sq")) a.exp_avg_sq.copy_(v);
                    break;
                case Adadelta.State a:
                    a.step = steps;
                    using (var s = Load("square_avg")) a.square_avg.copy_(s);
                    using (var d = Load("acc_delta")) a.acc_delta.copy_(d);
                    break;
                case SGD.State s:
                    if (_momentum)
                    {
                        s.momentum_buffer?.Dispose();
                        s.momentum_buffer = steps > 0 ? Load(EngineSgd.MomentumBufferSlot).DetachFromDisposeScope() : null;
                    }
                    break;
            }
        }
        _stepCount = state.StepCount;
    }

    private IReadOnlyList<TorchOptimizerState> PerParameterState()
    {
        // TorchSharp lists the state of its groups' parameters in group order; map it back to engine order.
        var dict = ((OptimizerHelper)_optimizer).state_dict();
        var byHandle = new Dictionary<IntPtr, TorchOptimizerState>();
        int k = 0;
        foreach (var (group, _) in _groups)
            foreach (var p in group.Parameters)
                byHandle[p.Handle] = dict.State[k++];
        return _entries.Select(e => byHandle[e.Torch.Handle]).ToList();
    }

    private IEnumerable<(string Kind, Tensor? Tensor)> Tensors(TorchOptimizerState state)
    {
        switch (state)
        {
            case Adam.State a: yield return ("exp_avg", a.exp_avg); yield return ("exp_avg_sq", a.exp_avg_sq); break;
            case AdamW.State a: yield return ("exp_avg", a.exp_avg); yield return ("exp_avg_sq", a.exp_avg_sq); break;
            case Adadelta.State a: yield return ("square_avg", a.square_avg); yield return ("acc_delta", a.acc_delta); break;
            case SGD.State s when _momentum: yield return (EngineSgd.MomentumBufferSlot, s.momentum_buffer); break;
        }
    }

    private static float[] Slot(Dictionary<string, float[]> slots, string name, int length)
    {
        if (!slots.TryGetValue(name, out var values) || values.Length != length)
            throw new ArgumentException($"Optimizer state slot '{name}' is missing or does not hold {length} values.");
        return values;
    }

    private static string SlotName(Entry e, string kind) => $"group{e.Group}.param{e.Index}.{kind}";

    public void Dispose() => _optimizer.Dispose();
}

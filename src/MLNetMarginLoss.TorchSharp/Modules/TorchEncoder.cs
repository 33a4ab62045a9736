using MLNetMarginLoss.Encoders;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Layers;
using TorchSharp;
using TorchSharp.Modules;
using Sequential = TorchSharp.Modules.Sequential;
using EngineSequential = MLNetMarginLoss.Engine.Layers.Sequential;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;
using EngineParameter = MLNetMarginLoss.Engine.Parameter;

namespace MLNetMarginLoss.TorchBackend.Modules;

/// <summary>
/// The TorchSharp twin of an engine <see cref="Encoder"/>: a <see cref="Sequential"/> whose children are named "0",
/// "1", … exactly as the engine's top-level layers, built layer for layer from the engine network, so every parameter
/// and buffer has the engine's state-dict name and layout ("0.weight" [out, in], "3.running_var", "4.conv1.weight",
/// "4.shortcut.1.bias", …). The only extra tensors are PyTorch's <c>num_batches_tracked</c> counters of batch norm,
/// which the engine does not keep. Weights move by name in both directions (<see cref="LoadFrom"/>,
/// <see cref="CopyTo"/>), and frozen engine parameters become parameters without gradient.
/// </summary>
internal sealed class TorchEncoder : IDisposable
{
    private readonly List<EngineDropout> _dropouts = [];

    /// <summary>Builds the twin of <paramref name="encoder"/> on <paramref name="device"/> and copies its weights.</summary>
    public TorchEncoder(Encoder encoder, Device device)
    {
        Spec = encoder.Spec;
        Device = device;
        var children = encoder.Network.Children.Select(c => (c.Name, Convert(c.Layer))).ToArray();
        Network = nn.Sequential(children);
        Network.to(device);
        CheckNames(encoder);
        LoadFrom(encoder);
    }

    /// <summary>The architecture.</summary>
    public EncoderSpec Spec { get; }

    /// <summary>Where the weights live.</summary>
    public Device Device { get; }

    /// <summary>The layers.</summary>
    public Sequential Network { get; }

    /// <summary>The dropout layers in network order (the engine's order of seeding them).</summary>
    public IReadOnlyList<EngineDropout> Dropouts => _dropouts;

    /// <summary>Embeddings [N, E] for a batch [N, C, H, W] (or [N, F]).</summary>
    public Tensor Forward(Tensor input) => Network.forward(input);

    /// <summary>Switches batch norm and dropout between training and inference behaviour.</summary>
    public void Train(bool training) => Network.train(training);

    /// <summary>Every parameter and buffer by its state-dict name (without PyTorch's num_batches_tracked).</summary>
    public Dictionary<string, Tensor> NamedState()
    {
        var map = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, p) in Network.named_parameters()) map[name] = p;
        foreach (var (name, b) in Network.named_buffers())
            if (!name.EndsWith("num_batches_tracked", StringComparison.Ordinal)) map[name] = b;
        return map;
    }

    /// <summary>The trainable parameters in the engine's order (<c>Encoder.Network.AllParameters()</c>) with their engine twins.</summary>
    public IReadOnlyList<(TorchSharp.Modules.Parameter Torch, EngineParameter Engine)> PairParameters(Encoder encoder)
    {
        var parameters = Network.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
        return encoder.Network.NamedState().Where(s => !s.IsBuffer).Select(s => (parameters[s.Name], s.Parameter)).ToList();
    }

    /// <summary>Copies every parameter and buffer of <paramref name="encoder"/> here and mirrors its frozen flags.</summary>
    public void LoadFrom(Encoder encoder)
    {
        var state = NamedState();
        using var _ = no_grad();
        foreach (var (name, p, isBuffer) in encoder.Network.NamedState())
        {
            var t = state[name];
            TensorTransfer.Upload(p, t);
            if (!isBuffer) t.requires_grad_(!p.Frozen);
        }
    }

    /// <summary>Copies every parameter and buffer from here into <paramref name="encoder"/>.</summary>
    public void CopyTo(Encoder encoder)
    {
        var state = NamedState();
        foreach (var (name, p, _) in encoder.Network.NamedState()) TensorTransfer.Download(state[name], p);
    }

    /// <summary>Seeds the dropout masks of one epoch as the engine does (each dropout layer forks from <paramref name="random"/> in order).</summary>
    public void SeedRandomness(SeededRandom random)
    {
        foreach (var d in _dropouts) d.Seed(random.Fork());
    }

    /// <summary>
    /// Tests only: when set, every ReLU (top-level and inside residual blocks, in forward order) multiplies by the next
    /// mask of this queue instead of computing max(0, x) — the engine's decisions, so both backends take the same
    /// branches (see <see cref="EngineReLU"/>). Null (the default): ordinary ReLUs.
    /// </summary>
    public Queue<float[]>? ReplayedReluMasks { get; set; }

    /// <summary>Makes the dropout layers draw the engine's exact masks (tests; slower: masks are made on the host).</summary>
    public bool ReplayEngineMasks
    {
        get => _dropouts.Count > 0 && _dropouts[0].ReplayEngineMasks;
        set { foreach (var d in _dropouts) d.ReplayEngineMasks = value; }
    }

    private void CheckNames(Encoder encoder)
    {
        var expected = encoder.Network.NamedState().Select(s => s.Name).Order(StringComparer.Ordinal).ToArray();
        var actual = NamedState().Keys.Order(StringComparer.Ordinal).ToArray();
        if (!expected.SequenceEqual(actual))
            throw new InvalidOperationException(
                $"The TorchSharp encoder's tensors [{string.Join(", ", actual)}] do not match the engine's [{string.Join(", ", expected)}].");
    }

    private nn.Module<Tensor, Tensor> Convert(Layer layer)
    {
        switch (layer)
        {
            case MLNetMarginLoss.Engine.Layers.Flatten:
                return nn.Flatten();
            case MLNetMarginLoss.Engine.Layers.Linear l:
                return nn.Linear(l.InFeatures, l.OutFeatures, hasBias: l.Bias is not null);
            case MLNetMarginLoss.Engine.Layers.Conv2d c:
                return nn.Conv2d(c.InChannels, c.OutChannels, c.KernelSize, stride: c.Stride, padding: c.Padding, bias: c.Bias is not null);
            case MLNetMarginLoss.Engine.Layers.BatchNorm1d b:
                return nn.BatchNorm1d(b.Channels, eps: b.Epsilon, momentum: b.Momentum);
            case MLNetMarginLoss.Engine.Layers.BatchNorm2d b:
                return nn.BatchNorm2d(b.Channels, eps: b.Epsilon, momentum: b.Momentum);
            case MLNetMarginLoss.Engine.Layers.ReLU:
                return new EngineReLU(this);
            case MLNetMarginLoss.Engine.Layers.MaxPool2d p:
                return nn.MaxPool2d(p.KernelSize, p.Stride);
            case GlobalAvgPool2d:
                return new GlobalAveragePool();
            case MLNetMarginLoss.Engine.Layers.Dropout d:
                var dropout = new EngineDropout(d.Probability);
                _dropouts.Add(dropout);
                return dropout;
            case ResidualBlock r:
                return new TorchResidualBlock(r, this);
            case EngineSequential s:
                return nn.Sequential(s.Children.Select(c => (c.Name, Convert(c.Layer))).ToArray());
            default:
                throw new NotSupportedException($"The TorchSharp backend has no twin of the engine layer {layer.GetType().Name}.");
        }
    }

    /// <summary>The residual block with the engine's child names (conv1, bn1, conv2, bn2, shortcut.0, shortcut.1).</summary>
    private sealed class TorchResidualBlock : nn.Module<Tensor, Tensor>
    {
        private readonly nn.Module<Tensor, Tensor> _conv1, _bn1, _conv2, _bn2;
        private readonly nn.Module<Tensor, Tensor>? _shortcut;
        private readonly EngineReLU _innerRelu, _outputRelu;

        public TorchResidualBlock(ResidualBlock block, TorchEncoder owner) : base(nameof(TorchResidualBlock))
        {
            _innerRelu = new EngineReLU(owner);
            _outputRelu = new EngineReLU(owner);
            _conv1 = owner.Convert(block.Conv1);
            _bn1 = owner.Convert(block.Bn1);
            _conv2 = owner.Convert(block.Conv2);
            _bn2 = owner.Convert(block.Bn2);
            register_module("conv1", _conv1);
            register_module("bn1", _bn1);
            register_module("conv2", _conv2);
            register_module("bn2", _bn2);
            if (block.Shortcut is not null)
            {
                _shortcut = owner.Convert(block.Shortcut);
                register_module("shortcut", _shortcut);
            }
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            var main = _bn2.forward(_conv2.forward(_innerRelu.forward(_bn1.forward(_conv1.forward(x)))));
            var skip = _shortcut is null ? x : _shortcut.forward(x);
            return _outputRelu.forward(main + skip).MoveToOuterDisposeScope();
        }
    }

    /// <summary>(C, H, W) → C: the mean over every position of each channel.</summary>
    private sealed class GlobalAveragePool : nn.Module<Tensor, Tensor>
    {
        public GlobalAveragePool() : base(nameof(GlobalAveragePool)) { }

        public override Tensor forward(Tensor x) => x.mean([2L, 3L]);
    }

    /// <inheritdoc />
    public void Dispose() => Network.Dispose();
}

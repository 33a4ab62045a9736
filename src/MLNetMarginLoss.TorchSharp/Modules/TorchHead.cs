using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Heads;
using TorchSharp;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;
using EngineParameter = MLNetMarginLoss.Engine.Parameter;
using TorchParameter = TorchSharp.Modules.Parameter;

namespace MLNetMarginLoss.TorchBackend.Modules;

/// <summary>
/// The TorchSharp twin of an engine <see cref="MarginHead"/>: the same training logits (margin on each row's label
/// column), the same inference logits (no labels, no margin), the same adaptive state updated at the same moment, and
/// the same parameter and buffer names ("weight", "bias", "scale", "t", "batch_mean", "batch_std", "iteration"), with
/// the gradient left to autograd. Hyper-parameters are read from the engine head, so defaults resolve identically.
/// Cosine heads mirror the engine's margin functions; their class centres are a plain tensor whose rows the session
/// updates (<see cref="TorchCosineHead.ActiveCentres"/>).
/// </summary>
internal abstract class TorchHead : nn.Module
{
    private readonly Dictionary<string, Tensor> _state = new(StringComparer.Ordinal);

    protected TorchHead(string name, MarginHead engine, Device device) : base(name)
    {
        EmbeddingSize = engine.EmbeddingSize;
        ClassCount = engine.ClassCount;
        Device = device;
    }

    /// <summary>Embedding dimension.</summary>
    public int EmbeddingSize { get; }

    /// <summary>Number of classes.</summary>
    public int ClassCount { get; }

    /// <summary>Where the weights live.</summary>
    public Device Device { get; }

    /// <summary>As the engine's <see cref="MarginHead.MarginEnabled"/>: false gives plain s·cos θ logits and freezes adaptive state.</summary>
    public bool MarginEnabled { get; set; } = true;

    /// <summary>The extra loss term of the last training forward pass (MagFace's regulariser), or null; add it to the mean cross-entropy.</summary>
    public Tensor? AuxiliaryLoss { get; protected set; }

    /// <summary>
    /// Training logits [N, S] with the margin applied to each row's label column (int64 [N]); <paramref name="centreRows"/>
    /// (int64 [S·K], cosine heads only) restricts the columns to those centre rows (Partial FC), null = every class.
    /// </summary>
    public abstract Tensor Forward(Tensor embeddings, Tensor labels, bool training, Tensor? centreRows = null);

    /// <summary>The last training forward pass's logits without margin (s·cos θ over the same columns; the softmax head's own logits), without gradient.</summary>
    public abstract Tensor LogitsWithoutMargin();

    /// <summary>Inference logits [N, C]: no labels, no margin. Score is their softmax.</summary>
    public abstract Tensor Predict(Tensor embeddings);

    /// <summary>Re-seeds training-time randomness (ElasticFace's margins) as the engine head's method does.</summary>
    public virtual void SeedRandomness(SeededRandom random) { }

    /// <summary>Registers a trainable tensor under the engine's parameter name.</summary>
    protected TorchParameter AddParameter(string name, long[] shape)
    {
        var p = new TorchParameter(zeros(shape, ScalarType.Float32, Device), requires_grad: true);
        register_parameter(name, p);
        _state[name] = p;
        return p;
    }

    /// <summary>Registers a state tensor under the engine's buffer name.</summary>
    protected Tensor AddBuffer(string name, long[] shape)
    {
        var b = zeros(shape, ScalarType.Float32, Device);
        register_buffer(name, b);
        _state[name] = b;
        return b;
    }

    /// <summary>The dense parameters in the engine's order (<see cref="MarginHead.Parameters"/>) with their engine twins.</summary>
    public IReadOnlyList<(TorchParameter Torch, EngineParameter Engine)> PairParameters(MarginHead head) =>
        head.Parameters.Select(p => ((TorchParameter)_state[p.Name], p)).ToList();

    /// <summary>Copies the engine head's parameters and buffers here (checking that the names match exactly).</summary>
    public virtual void LoadFrom(MarginHead head)
    {
        CheckNames(head);
        foreach (var p in head.Parameters.Concat(head.Buffers)) TensorTransfer.Upload(p, _state[p.Name]);
    }

    /// <summary>Copies the parameters and buffers from here into the engine head.</summary>
    public virtual void CopyTo(MarginHead head)
    {
        foreach (var p in head.Parameters.Concat(head.Buffers)) TensorTransfer.Download(_state[p.Name], p);
    }

    /// <summary>The engine names of the head's tensors (its class centres' "weight" included).</summary>
    protected virtual IEnumerable<string> EngineNames(MarginHead head) => head.Parameters.Concat(head.Buffers).Select(p => p.Name);

    /// <summary>Every parameter and buffer by name.</summary>
    public IReadOnlyDictionary<string, Tensor> NamedState() => _state;

    private void CheckNames(MarginHead head)
    {
        var expected = EngineNames(head).Order(StringComparer.Ordinal);
        var own = named_parameters().Select(p => p.name).Concat(named_buffers().Select(b => b.name)).Order(StringComparer.Ordinal);
        if (!expected.SequenceEqual(own))
            throw new InvalidOperationException($"The TorchSharp {head.Kind} head's tensors [{string.Join(", ", own)}] do not match the engine's [{string.Join(", ", expected)}].");
    }

    /// <summary>Builds the twin of <paramref name="head"/> on <paramref name="device"/> and copies its state.</summary>
    public static TorchHead Create(MarginHead head, Device device)
    {
        TorchHead twin = head switch
        {
            SoftmaxHead => new TorchSoftmaxHead(head, device),
            CosineMarginHead h => h.Margin switch
            {
                NormSoftmaxMargin => new PlainCosineHead(h, device),
                CosFaceMargin m => new CosFaceTorchHead(h, m, device),
                ArcFaceMargin m => new ArcFaceTorchHead(h, m, device), // sub-centre ArcFace too
                CombinedMargin m => new CombinedTorchHead(h, m, device),
                SphereFaceMargin m => new SphereFaceTorchHead(h, m, device),
                AdaCosMargin => new AdaCosTorchHead(h, device),
                CurricularFaceMargin m => new CurricularTorchHead(h, m, device),
                MagFaceMargin m => new MagFaceTorchHead(h, m, device),
                AdaFaceMargin m => new AdaFaceTorchHead(h, m, device),
                ElasticFaceMargin m => new ElasticTorchHead(h, m, device),
                _ => throw new NotSupportedException($"The TorchSharp backend has no twin of the {head.Kind} margin."),
            },
            _ => throw new NotSupportedException($"The TorchSharp backend has no twin of the {head.Kind} head."),
        };
        twin.LoadFrom(head);
        return twin;
    }
}

/// <summary>The baseline linear head: logits = x·Wᵀ + b, labels unused.</summary>
internal sealed class TorchSoftmaxHead : TorchHead
{
    private readonly TorchParameter _weight, _bias;

    public TorchSoftmaxHead(MarginHead head, Device device) : base("softmax", head, device)
    {
        _weight = AddParameter("weight", [ClassCount, EmbeddingSize]);
        _bias = AddParameter("bias", [ClassCount]);
    }

    private Tensor? _last;

    public override Tensor Forward(Tensor embeddings, Tensor labels, bool training, Tensor? centreRows = null)
    {
        if (centreRows is not null) throw new NotSupportedException("The plain softmax head has no class centres to sample.");
        AuxiliaryLoss = null;
        var logits = nn.functional.linear(embeddings, _weight, _bias);
        _last?.Dispose();
        _last = logits.detach().DetachFromDisposeScope();
        return logits;
    }

    public override Tensor LogitsWithoutMargin() => (_last ?? throw new InvalidOperationException("No forward pass yet.")).alias();

    public override Tensor Predict(Tensor embeddings) => nn.functional.linear(embeddings, _weight, _bias);
}

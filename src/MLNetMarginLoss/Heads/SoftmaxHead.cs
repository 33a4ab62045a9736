using System.Numerics.Tensors;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Losses;
using Tensor = MLNetMarginLoss.Engine.Tensor;

namespace MLNetMarginLoss.Heads;

/// <summary>
/// The baseline: a plain linear layer logits = x·Wᵀ + b (W [C, E] Xavier-uniform, b [C] zero), with no
/// normalisation, no scale and no margin. Labels are checked but do not change the logits, so
/// <see cref="Predict"/> returns the same logits as <see cref="Forward"/>.
/// </summary>
internal sealed class SoftmaxHead : MarginHead
{
    private readonly Tensor _logits = new(0, TensorShape.Vector(1));
    private readonly Tensor _predict = new(0, TensorShape.Vector(1));
    private readonly Tensor _inputGradient = new(0, TensorShape.Vector(1));
    private readonly Tensor _input = new(0, TensorShape.Vector(1));
    private readonly SoftmaxCrossEntropy _lossWithoutMargin = new();
    private int[] _labels = [];
    private bool _hasForward;

    /// <summary>Creates the head (no option applies; <paramref name="options"/> is accepted for uniformity).</summary>
    public SoftmaxHead(int embeddingSize, int classCount, HeadOptions? options = null)
        : base(embeddingSize, classCount)
    {
        Weight = new Parameter("weight", classCount, embeddingSize);
        Bias = new Parameter("bias", classCount) { NoWeightDecay = true };
        Initialize(new SeededRandom(0));
    }

    /// <inheritdoc />
    public override string Kind => "softmax";

    /// <summary>Weight [C, E].</summary>
    public Parameter Weight { get; }

    /// <summary>Bias [C].</summary>
    public Parameter Bias { get; }

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> Parameters => [Weight, Bias];

    /// <inheritdoc />
    public override void Initialize(SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        XavierUniform(Weight, random);
        Bias.Value.AsSpan().Clear();
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor embeddings, ReadOnlySpan<int> labels, bool training)
    {
        ValidateEmbeddings(embeddings);
        ValidateLabels(labels, embeddings.Rows);
        // Keep a copy: the caller's tensor may be reused before Backward.
        _input.Reshape(embeddings.Rows, TensorShape.Vector(EmbeddingSize));
        embeddings.Span.CopyTo(_input.Span);
        Linear(_input, _logits);
        if (_labels.Length < labels.Length) _labels = new int[labels.Length];
        labels.CopyTo(_labels);
        _hasForward = true;
        return _logits;
    }

    /// <inheritdoc />
    public override ReadOnlySpan<int> ColumnLabels => _labels.AsSpan(0, _hasForward ? _input.Rows : 0);

    /// <summary>The loss of the last forward's logits (this head has no margin; they are its inference logits too).</summary>
    public override double LossWithoutMargin(out int correct)
    {
        if (!_hasForward) throw new InvalidOperationException("The softmax head's LossWithoutMargin was called before Forward.");
        return _lossWithoutMargin.LossOnly(_logits, ColumnLabels, 1f, out correct);
    }

    /// <inheritdoc />
    public override Tensor Backward(Tensor logitGradient)
    {
        ArgumentNullException.ThrowIfNull(logitGradient);
        if (!_hasForward) throw new InvalidOperationException("The softmax head's Backward was called before Forward.");
        int n = _input.Rows, c = ClassCount, e = EmbeddingSize;
        if (logitGradient.Rows != n || logitGradient.RowSize != c)
            throw new ArgumentException($"The softmax head's logit gradient must be [{n}, {c}] like the last forward output, got {logitGradient}.", nameof(logitGradient));
        var dy = logitGradient.Span;
        _inputGradient.Reshape(n, TensorShape.Vector(e));
        var db = Bias.Gradient.AsSpan();
        db.Clear();
        if (n == 0)
        {
            Weight.Gradient.AsSpan().Clear();
            return _inputGradient;
        }
        Context.Gemm.Sgemm(true, false, c, e, n, 1f, dy, c, _input.Span, e, 0f, Weight.Gradient, e);
        for (int i = 0; i < n; i++) TensorPrimitives.Add(db, dy.Slice(i * c, c), db);
        Context.Gemm.Sgemm(false, false, n, e, c, 1f, dy, c, Weight.Value, e, 0f, _inputGradient.Span, e);
        return _inputGradient;
    }

    /// <inheritdoc />
    public override Tensor Predict(Tensor embeddings)
    {
        ValidateEmbeddings(embeddings);
        Linear(embeddings, _predict);
        return _predict;
    }

    private void Linear(Tensor x, Tensor output)
    {
        int n = x.Rows, c = ClassCount, e = EmbeddingSize;
        output.Reshape(n, TensorShape.Vector(c));
        if (n == 0) return;
        var y = output.Span;
        for (int i = 0; i < n; i++) Bias.Value.AsSpan().CopyTo(y.Slice(i * c, c));
        Context.Gemm.Sgemm(false, true, n, c, e, 1f, x.Span, e, Weight.Value, e, 1f, y, c);
    }

    /// <inheritdoc />
    public override HeadOptions GetOptions() => new();
}

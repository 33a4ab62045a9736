using System.Numerics.Tensors;

namespace MLNetMarginLoss.Engine.Layers;

/// <summary>
/// The basic ResNet block: relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), with 3×3 convolutions without
/// bias (conv1 carries the stride). The shortcut is the identity, or — when the stride is not 1 or the channel
/// count changes — a 1×1 convolution with the same stride followed by batch norm. Children are named as in the
/// common PyTorch implementation: conv1, bn1, conv2, bn2, shortcut (shortcut.0 the 1×1 convolution, shortcut.1
/// its batch norm).
/// </summary>
internal sealed class ResidualBlock : Layer
{
    private readonly Tensor _output = new(0, TensorShape.Vector(1));
    private readonly Tensor _sumGradient = new(0, TensorShape.Vector(1));
    private readonly Tensor _inputGradient = new(0, TensorShape.Vector(1));
    private readonly ReLU _innerRelu = new();
    private readonly (string, Layer)[] _children;
    private TensorShape _inputShape;
    private bool _hasForward;

    /// <summary>Creates a block mapping <paramref name="inChannels"/> to <paramref name="outChannels"/> channels.</summary>
    public ResidualBlock(int inChannels, int outChannels, int stride = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride);
        InChannels = inChannels;
        OutChannels = outChannels;
        Stride = stride;
        Conv1 = new Conv2d(inChannels, outChannels, 3, stride, 1, bias: false);
        Bn1 = new BatchNorm2d(outChannels);
        Conv2 = new Conv2d(outChannels, outChannels, 3, 1, 1, bias: false);
        Bn2 = new BatchNorm2d(outChannels);
        if (stride != 1 || inChannels != outChannels)
            Shortcut = new Sequential(new Conv2d(inChannels, outChannels, 1, stride, 0, bias: false), new BatchNorm2d(outChannels));
        _children = Shortcut is null
            ? [("conv1", Conv1), ("bn1", Bn1), ("conv2", Conv2), ("bn2", Bn2)]
            : [("conv1", Conv1), ("bn1", Bn1), ("conv2", Conv2), ("bn2", Bn2), ("shortcut", Shortcut)];
        OnContextChanged();
        OnRequiresInputGradientChanged();
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }

    /// <summary>Output channels.</summary>
    public int OutChannels { get; }

    /// <summary>Stride of the first convolution and of the projection shortcut.</summary>
    public int Stride { get; }

    /// <summary>First 3×3 convolution (carries the stride).</summary>
    public Conv2d Conv1 { get; }

    /// <summary>Batch norm after <see cref="Conv1"/>.</summary>
    public BatchNorm2d Bn1 { get; }

    /// <summary>Second 3×3 convolution.</summary>
    public Conv2d Conv2 { get; }

    /// <summary>Batch norm after <see cref="Conv2"/>.</summary>
    public BatchNorm2d Bn2 { get; }

    /// <summary>The projection shortcut (1×1 convolution, batch norm), or null for the identity.</summary>
    public Sequential? Shortcut { get; }

    /// <inheritdoc />
    public override IReadOnlyList<(string Name, Layer Layer)> Children => _children;

    /// <summary>The inner ReLU (after <see cref="Bn1"/>) of the last forward pass.</summary>
    internal ReLU InnerRelu => _innerRelu;

    /// <summary>The block's output, relu(main + skip), of the last forward pass.</summary>
    internal Tensor Output => _output;

    /// <inheritdoc />
    protected override void OnRequiresInputGradientChanged()
    {
        if (Conv1 is null) return;
        Conv1.RequiresInputGradient = RequiresInputGradient;
        if (Shortcut is not null) Shortcut.RequiresInputGradient = RequiresInputGradient;
    }

    /// <inheritdoc />
    public override void Initialize(SeededRandom random)
    {
        foreach (var (_, child) in _children) child.Initialize(random);
    }

    /// <inheritdoc />
    public override TensorShape GetOutputShape(TensorShape input)
    {
        if (input.Channels != InChannels)
            throw new ArgumentException($"ResidualBlock({InChannels}→{OutChannels}) expects input samples with {InChannels} channels, got {input.Channels} ({input}).");
        return Conv2.GetOutputShape(Conv1.GetOutputShape(input));
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input, bool training)
    {
        var shape = GetOutputShape(input.Shape);
        _inputShape = input.Shape;
        var main = Bn2.Forward(Conv2.Forward(_innerRelu.Forward(Bn1.Forward(Conv1.Forward(input, training), training), training), training), training);
        var skip = Shortcut is null ? input : Shortcut.Forward(input, training);
        _output.Reshape(input.Rows, shape);
        var y = _output.Span;
        TensorPrimitives.Add(main.Span, skip.Span, y);
        TensorPrimitives.Max(y, 0f, y);
        _hasForward = true;
        return _output;
    }

    /// <inheritdoc />
    public override Tensor Backward(Tensor outputGradient)
    {
        if (!_hasForward) throw new InvalidOperationException("ResidualBlock.Backward called before Forward.");
        ExpectGradient(nameof(ResidualBlock), _output, outputGradient);
        // Gradient at the sum, through the final ReLU.
        _sumGradient.Reshape(outputGradient.Rows, outputGradient.Shape);
        ReLU.PassWherePositive(_output.Span, outputGradient.Span, _sumGradient.Span);

        var dMain = Conv1.Backward(Bn1.Backward(_innerRelu.Backward(Conv2.Backward(Bn2.Backward(_sumGradient)))));
        var dSkip = Shortcut is null ? _sumGradient : Shortcut.Backward(_sumGradient);
        if (!RequiresInputGradient) { _inputGradient.Reshape(0, _inputShape); return _inputGradient; }
        _inputGradient.Reshape(outputGradient.Rows, _inputShape);
        TensorPrimitives.Add(dMain.Span, dSkip.Span, _inputGradient.Span);
        return _inputGradient;
    }
}

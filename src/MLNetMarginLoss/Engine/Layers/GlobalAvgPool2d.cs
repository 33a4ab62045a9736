using System.Numerics.Tensors;

namespace MLNetMarginLoss.Engine.Layers;

/// <summary>
/// Averages each channel over all positions: (C, H, W) → a vector of C (PyTorch's AdaptiveAvgPool2d(1) followed
/// by a flatten). Backward spreads each channel's gradient evenly over its H·W positions.
/// </summary>
internal sealed class GlobalAvgPool2d : Layer
{
    private readonly Tensor _output = new(0, TensorShape.Vector(1));
    private readonly Tensor _inputGradient = new(0, TensorShape.Vector(1));
    private TensorShape _inputShape;
    private bool _hasForward;

    /// <inheritdoc />
    public override TensorShape GetOutputShape(TensorShape input)
    {
        if (input.Channels <= 0 || input.Height <= 0 || input.Width <= 0)
            throw new ArgumentException($"GlobalAvgPool2d expects a non-empty (C, H, W) sample shape, got {input}.");
        return TensorShape.Vector(input.Channels);
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input, bool training)
    {
        var shape = GetOutputShape(input.Shape);
        _inputShape = input.Shape;
        int planes = input.Rows * input.Shape.Channels, hw = input.Shape.Height * input.Shape.Width;
        _output.Reshape(input.Rows, shape);
        var x = input.Span;
        var y = _output.Span;
        float inv = 1f / hw;
        for (int i = 0; i < planes; i++) y[i] = TensorPrimitives.Sum(x.Slice(i * hw, hw)) * inv;
        _hasForward = true;
        return _output;
    }

    /// <inheritdoc />
    public override Tensor Backward(Tensor outputGradient)
    {
        if (!_hasForward) throw new InvalidOperationException("GlobalAvgPool2d.Backward called before Forward.");
        ExpectGradient(nameof(GlobalAvgPool2d), _output, outputGradient);
        if (!RequiresInputGradient) { _inputGradient.Reshape(0, _inputShape); return _inputGradient; }
        _inputGradient.Reshape(outputGradient.Rows, _inputShape);
        int planes = outputGradient.Rows * _inputShape.Channels, hw = _inputShape.Height * _inputShape.Width;
        var dy = outputGradient.Span;
        var dx = _inputGradient.Span;
        float inv = 1f / hw;
        for (int i = 0; i < planes; i++) dx.Slice(i * hw, hw).Fill(dy[i] * inv);
        return _inputGradient;
    }
}

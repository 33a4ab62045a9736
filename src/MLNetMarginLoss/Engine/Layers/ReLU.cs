using System.Numerics.Tensors;

namespace MLNetMarginLoss.Engine.Layers;

/// <summary>Rectified linear unit, max(0, x), element-wise. Backward passes the gradient where the output is positive.</summary>
public sealed class ReLU : Layer
{
    private readonly Tensor _output = new(0, TensorShape.Vector(1));
    private readonly Tensor _inputGradient = new(0, TensorShape.Vector(1));

    /// <inheritdoc />
    public override TensorShape GetOutputShape(TensorShape input) => input;

    /// <inheritdoc />
    public override Tensor Forward(Tensor input, bool training)
    {
        _output.Reshape(input.Rows, input.Shape);
        TensorPrimitives.Max(input.Span, 0f, _output.Span);
        return _output;
    }

    /// <inheritdoc />
    public override Tensor Backward(Tensor outputGradient)
    {
        ExpectGradient(nameof(ReLU), _output, outputGradient);
        if (!RequiresInputGradient) { _inputGradient.Reshape(0, _output.Shape); return _inputGradient; }
        _inputGradient.Reshape(outputGradient.Rows, outputGradient.Shape);
        var y = _output.Span;
        var dy = outputGradient.Span;
        var dx = _inputGradient.Span;
        for (int i = 0; i < dx.Length; i++) dx[i] = y[i] > 0 ? dy[i] : 0f;
        return _inputGradient;
    }
}

using System.Numerics;
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
        PassWherePositive(_output.Span, outputGradient.Span, _inputGradient.Span);
        return _inputGradient;
    }

    /// <summary>dx = dy where y &gt; 0, else 0 — vectorised and branch-free (the signs of y are unpredictable).</summary>
    internal static void PassWherePositive(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int width = Vector<float>.Count;
            for (; i <= dx.Length - width; i += width)
            {
                var positive = Vector.GreaterThan(new Vector<float>(y.Slice(i, width)), Vector<float>.Zero);
                Vector.ConditionalSelect(positive, new Vector<float>(dy.Slice(i, width)), Vector<float>.Zero).CopyTo(dx.Slice(i, width));
            }
        }
        for (; i < dx.Length; i++) dx[i] = y[i] > 0 ? dy[i] : 0f;
    }
}

using System.Numerics;
using System.Numerics.Tensors;
using MLNetMarginLoss.Engine.Kernels;

namespace MLNetMarginLoss.Engine.Layers;

/// <summary>
/// Rectified linear unit, max(0, x), element-wise. Backward passes the gradient where the output is positive.
/// Large tensors are split into fixed blocks over the worker pool (element-wise, so the split never changes results).
/// </summary>
internal sealed class ReLU : Layer
{
    private readonly Tensor _output = new(0, TensorShape.Vector(1));
    private readonly Tensor _inputGradient = new(0, TensorShape.Vector(1));
    private readonly BlockWork _work = new();

    /// <summary>Elements per parallel block; smaller tensors run on the calling thread.</summary>
    internal const int BlockLength = 1 << 16;

    /// <inheritdoc />
    public override TensorShape GetOutputShape(TensorShape input) => input;

    /// <summary>The output of the last forward pass (its positive entries are where the gradient passes).</summary>
    internal Tensor Output => _output;

    /// <inheritdoc />
    public override Tensor Forward(Tensor input, bool training)
    {
        _output.Reshape(input.Rows, input.Shape);
        if (input.Length <= BlockLength) TensorPrimitives.Max(input.Span, 0f, _output.Span);
        else Run(forward: true, input.Data, null, _output.Data, input.Length);
        return _output;
    }

    /// <inheritdoc />
    public override Tensor Backward(Tensor outputGradient)
    {
        ExpectGradient(nameof(ReLU), _output, outputGradient);
        if (!RequiresInputGradient) { _inputGradient.Reshape(0, _output.Shape); return _inputGradient; }
        _inputGradient.Reshape(outputGradient.Rows, outputGradient.Shape);
        if (outputGradient.Length <= BlockLength) PassWherePositive(_output.Span, outputGradient.Span, _inputGradient.Span);
        else Run(forward: false, _output.Data, outputGradient.Data, _inputGradient.Data, outputGradient.Length);
        return _inputGradient;
    }

    private void Run(bool forward, float[] a, float[]? b, float[] target, int length)
    {
        _work.Set(forward, a, b, target, length);
        _work.Run(Context.Pool, (length + BlockLength - 1) / BlockLength);
    }

    /// <summary>Blocks of <see cref="BlockLength"/> elements: forward max(0, x), or backward dx = dy where y &gt; 0.</summary>
    private sealed class BlockWork : RangeWork
    {
        private float[] _a = [], _target = [];
        private float[]? _b;
        private bool _forward;
        private int _length;

        public void Set(bool forward, float[] a, float[]? b, float[] target, int length)
        {
            _forward = forward; _a = a; _b = b; _target = target; _length = length;
        }

        protected override void Process(int start, int end)
        {
            int from = start * BlockLength, count = Math.Min(_length, end * BlockLength) - from;
            if (_forward) TensorPrimitives.Max(_a.AsSpan(from, count), 0f, _target.AsSpan(from, count));
            else PassWherePositive(_a.AsSpan(from, count), _b.AsSpan(from, count), _target.AsSpan(from, count));
        }
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

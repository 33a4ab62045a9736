using MLNetMarginLoss.Engine.Kernels;

namespace MLNetMarginLoss.Engine.Layers;

/// <summary>
/// Average pooling over kernel×kernel windows of each channel (no padding, floor mode). Every window has
/// kernel² elements, so the divisor is always kernel² (PyTorch's result without padding).
/// </summary>
internal sealed class AvgPool2d : Pool2d
{
    private readonly Tensor _output = new(0, TensorShape.Vector(1));
    private readonly Tensor _inputGradient = new(0, TensorShape.Vector(1));
    private readonly PoolWork _work = new();
    private TensorShape _inputShape;
    private ConvolutionGeometry _geometry;
    private bool _hasForward;

    /// <summary>Creates a pooling layer; <paramref name="stride"/> defaults to the kernel size.</summary>
    public AvgPool2d(int kernelSize, int? stride = null) : base(kernelSize, stride) { }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input, bool training)
    {
        var g = Geometry(input.Shape);
        _geometry = g;
        _inputShape = input.Shape;
        _output.Reshape(input.Rows, new TensorShape(g.Channels, g.OutputHeight, g.OutputWidth));
        _work.Set(g, input.Data, _output.Data, backward: false);
        _work.Run(Context.Pool, input.Rows * g.Channels);
        _hasForward = true;
        return _output;
    }

    /// <inheritdoc />
    public override Tensor Backward(Tensor outputGradient)
    {
        if (!_hasForward) throw new InvalidOperationException("AvgPool2d.Backward called before Forward.");
        ExpectGradient(nameof(AvgPool2d), _output, outputGradient);
        if (!RequiresInputGradient) { _inputGradient.Reshape(0, _inputShape); return _inputGradient; }
        _inputGradient.Reshape(outputGradient.Rows, _inputShape);
        _work.Set(_geometry, outputGradient.Data, _inputGradient.Data, backward: true);
        _work.Run(Context.Pool, outputGradient.Rows * _geometry.Channels);
        return _inputGradient;
    }

    /// <summary>Per (sample, channel) plane: forward averages windows; backward spreads gradients over them.</summary>
    private sealed class PoolWork : RangeWork
    {
        private ConvolutionGeometry _g;
        private float[] _from = [], _to = [];
        private bool _backward;

        public void Set(in ConvolutionGeometry g, float[] from, float[] to, bool backward)
        {
            _g = g; _from = from; _to = to; _backward = backward;
        }

        protected override void Process(int start, int end)
        {
            int w = _g.Width, oh = _g.OutputHeight, ow = _g.OutputWidth, k = _g.KernelHeight, s = _g.Stride;
            int inPlane = _g.InputPlane, outPlane = _g.OutputPlane;
            float inv = 1f / (k * k);
            for (int plane = start; plane < end; plane++)
            {
                if (_backward)
                {
                    var dy = _from.AsSpan(plane * outPlane, outPlane);
                    var dx = _to.AsSpan(plane * inPlane, inPlane);
                    dx.Clear();
                    for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++)
                    {
                        float gradient = dy[oy * ow + ox] * inv;
                        for (int ky = 0; ky < k; ky++)
                        {
                            var row = dx.Slice((oy * s + ky) * w + ox * s, k);
                            for (int kx = 0; kx < k; kx++) row[kx] += gradient;
                        }
                    }
                }
                else
                {
                    var x = _from.AsSpan(plane * inPlane, inPlane);
                    var y = _to.AsSpan(plane * outPlane, outPlane);
                    for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++)
                    {
                        float sum = 0;
                        for (int ky = 0; ky < k; ky++)
                        {
                            var row = x.Slice((oy * s + ky) * w + ox * s, k);
                            for (int kx = 0; kx < k; kx++) sum += row[kx];
                        }
                        y[oy * ow + ox] = sum * inv;
                    }
                }
            }
        }
    }
}

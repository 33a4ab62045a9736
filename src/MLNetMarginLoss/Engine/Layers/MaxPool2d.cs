using MLNetMarginLoss.Engine.Kernels;

namespace MLNetMarginLoss.Engine.Layers;

/// <summary>
/// Max pooling over kernel×kernel windows of each channel (no padding, floor mode, as PyTorch's defaults).
/// Forward records the position of each window's maximum (the first one on ties; a NaN wins, as in PyTorch) and
/// backward routes each output gradient to that position.
/// </summary>
public sealed class MaxPool2d : Layer
{
    private readonly Tensor _output = new(0, TensorShape.Vector(1));
    private readonly Tensor _inputGradient = new(0, TensorShape.Vector(1));
    private readonly ForwardWork _forward = new();
    private readonly BackwardWork _backward = new();
    private int[] _argmax = [];
    private TensorShape _inputShape;
    private ConvolutionGeometry _geometry;
    private bool _hasForward;

    /// <summary>Creates a pooling layer; <paramref name="stride"/> defaults to the kernel size.</summary>
    public MaxPool2d(int kernelSize, int? stride = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernelSize);
        if (stride is <= 0) throw new ArgumentOutOfRangeException(nameof(stride), stride, "The stride must be positive.");
        KernelSize = kernelSize;
        Stride = stride ?? kernelSize;
    }

    /// <summary>Window height and width.</summary>
    public int KernelSize { get; }

    /// <summary>Step between windows.</summary>
    public int Stride { get; }

    /// <inheritdoc />
    public override string ToString() => $"MaxPool2d({KernelSize}×{KernelSize}, stride {Stride})";

    private ConvolutionGeometry Geometry(TensorShape input)
    {
        try { return new ConvolutionGeometry(input, KernelSize, KernelSize, Stride, 0); }
        catch (ArgumentException e) { throw new ArgumentException($"{this}: {e.Message}", e); }
    }

    /// <inheritdoc />
    public override TensorShape GetOutputShape(TensorShape input)
    {
        var g = Geometry(input);
        return new TensorShape(input.Channels, g.OutputHeight, g.OutputWidth);
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input, bool training)
    {
        var g = Geometry(input.Shape);
        _geometry = g;
        _inputShape = input.Shape;
        int planes = input.Rows * g.Channels;
        _output.Reshape(input.Rows, new TensorShape(g.Channels, g.OutputHeight, g.OutputWidth));
        if (_argmax.Length < _output.Length) _argmax = new int[_output.Length];
        _forward.Set(g, input.Data, _output.Data, _argmax);
        _forward.Run(Context.Pool, planes);
        _hasForward = true;
        return _output;
    }

    /// <inheritdoc />
    public override Tensor Backward(Tensor outputGradient)
    {
        if (!_hasForward) throw new InvalidOperationException("MaxPool2d.Backward called before Forward.");
        ExpectGradient(nameof(MaxPool2d), _output, outputGradient);
        if (!RequiresInputGradient) { _inputGradient.Reshape(0, _inputShape); return _inputGradient; }
        _inputGradient.Reshape(outputGradient.Rows, _inputShape);
        _backward.Set(_geometry, outputGradient.Data, _inputGradient.Data, _argmax);
        _backward.Run(Context.Pool, outputGradient.Rows * _geometry.Channels);
        return _inputGradient;
    }

    /// <summary>Per (sample, channel) plane: window maxima and their positions within the plane.</summary>
    private sealed class ForwardWork : RangeWork
    {
        private ConvolutionGeometry _g;
        private float[] _input = [], _output = [];
        private int[] _argmax = [];

        public void Set(in ConvolutionGeometry g, float[] input, float[] output, int[] argmax)
        {
            _g = g; _input = input; _output = output; _argmax = argmax;
        }

        protected override void Process(int start, int end)
        {
            int h = _g.Height, w = _g.Width, oh = _g.OutputHeight, ow = _g.OutputWidth, k = _g.KernelHeight, s = _g.Stride;
            int inPlane = h * w, outPlane = oh * ow;
            for (int plane = start; plane < end; plane++)
            {
                var x = _input.AsSpan(plane * inPlane, inPlane);
                var y = _output.AsSpan(plane * outPlane, outPlane);
                var idx = _argmax.AsSpan(plane * outPlane, outPlane);
                if (k == 2 && s == 2) { Pool2x2(x, w, oh, ow, y, idx); continue; }
                for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                {
                    int best = oy * s * w + ox * s;
                    float max = x[best];
                    for (int ky = 0; ky < k; ky++)
                    {
                        int rowStart = (oy * s + ky) * w + ox * s;
                        for (int kx = 0; kx < k; kx++)
                        {
                            float v = x[rowStart + kx];
                            if (v > max || float.IsNaN(v)) { max = v; best = rowStart + kx; }
                        }
                    }
                    y[oy * ow + ox] = max;
                    idx[oy * ow + ox] = best;
                }
            }
        }

        // The common 2×2 / stride 2 case, unrolled and branch-free (same tie and NaN rules as the general loop).
        private static void Pool2x2(ReadOnlySpan<float> x, int w, int oh, int ow, Span<float> y, Span<int> idx)
        {
            for (int oy = 0; oy < oh; oy++)
            {
                var r0 = x.Slice(2 * oy * w, w);
                var r1 = x.Slice((2 * oy + 1) * w, w);
                var yr = y.Slice(oy * ow, ow);
                var ir = idx.Slice(oy * ow, ow);
                int base0 = 2 * oy * w;
                for (int ox = 0; ox < ow; ox++)
                {
                    int c = 2 * ox;
                    float max = r0[c];
                    int best = c;
                    float v = r0[c + 1];
                    bool take = v > max || float.IsNaN(v);
                    max = take ? v : max; best = take ? c + 1 : best;
                    v = r1[c];
                    take = v > max || float.IsNaN(v);
                    max = take ? v : max; best = take ? w + c : best;
                    v = r1[c + 1];
                    take = v > max || float.IsNaN(v);
                    max = take ? v : max; best = take ? w + c + 1 : best;
                    yr[ox] = max;
                    ir[ox] = base0 + best;
                }
            }
        }
    }

    /// <summary>Per plane: clears the input gradient and adds each output gradient at its recorded position.</summary>
    private sealed class BackwardWork : RangeWork
    {
        private ConvolutionGeometry _g;
        private float[] _dy = [], _dx = [];
        private int[] _argmax = [];

        public void Set(in ConvolutionGeometry g, float[] dy, float[] dx, int[] argmax)
        {
            _g = g; _dy = dy; _dx = dx; _argmax = argmax;
        }

        protected override void Process(int start, int end)
        {
            int inPlane = _g.InputPlane, outPlane = _g.OutputPlane;
            for (int plane = start; plane < end; plane++)
            {
                var dx = _dx.AsSpan(plane * inPlane, inPlane);
                var dy = _dy.AsSpan(plane * outPlane, outPlane);
                var idx = _argmax.AsSpan(plane * outPlane, outPlane);
                dx.Clear();
                for (int i = 0; i < dy.Length; i++) dx[idx[i]] += dy[i];
            }
        }
    }
}

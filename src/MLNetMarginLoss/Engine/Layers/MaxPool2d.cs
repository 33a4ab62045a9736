using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using MLNetMarginLoss.Engine.Kernels;

namespace MLNetMarginLoss.Engine.Layers;

/// <summary>
/// Max pooling over kernel×kernel windows of each channel (no padding, floor mode, as PyTorch's defaults).
/// Forward records the position of each window's maximum (the first one on ties; a NaN wins, as in PyTorch) and
/// backward routes each output gradient to that position.
/// </summary>
internal sealed class MaxPool2d : Pool2d
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
    public MaxPool2d(int kernelSize, int? stride = null) : base(kernelSize, stride) { }

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
                int first = Avx2.IsSupported ? Pool2x2Avx(r0, r1, w, base0, yr, ir) : 0;
                for (int ox = first; ox < ow; ox++)
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

    // Eight 2×2 windows at a time: even/odd columns of both rows are separated with shuffles, then compared in
    // the scalar loop's order (row 0 even, row 0 odd, row 1 even, row 1 odd) with the same tie and NaN rules.
    // Returns the number of outputs written.
    private static unsafe int Pool2x2Avx(ReadOnlySpan<float> r0, ReadOnlySpan<float> r1, int w, int base0, Span<float> y, Span<int> idx)
    {
        int ow = y.Length, done = 0;
        if (ow < 8) return 0;
        var lane = Vector256.Create(0, 2, 4, 6, 8, 10, 12, 14);
        fixed (float* p0 = r0, p1 = r1, py = y)
        fixed (int* pi = idx)
        {
            for (; done + 8 <= ow; done += 8)
            {
                int c = 2 * done;
                Deinterleave(p0 + c, out var e0, out var o0);
                Deinterleave(p1 + c, out var e1, out var o1);
                var max = e0;
                var offset = Vector256<int>.Zero;
                Take(o0, Vector256.Create(1), ref max, ref offset);
                Take(e1, Vector256.Create(w), ref max, ref offset);
                Take(o1, Vector256.Create(w + 1), ref max, ref offset);
                Avx.Store(py + done, max);
                Avx.Store(pi + done, Avx2.Add(Avx2.Add(Vector256.Create(base0 + c), lane), offset));
            }
        }
        return done;
    }

    private static unsafe void Deinterleave(float* p, out Vector256<float> even, out Vector256<float> odd)
    {
        var lo = Avx.LoadVector256(p);
        var hi = Avx.LoadVector256(p + 8);
        // Within 128-bit lanes: [lo0 lo2 hi0 hi2 | lo4 lo6 hi4 hi6]; then reorder the 64-bit pairs to 0, 2, 1, 3.
        even = Avx2.Permute4x64(Avx.Shuffle(lo, hi, 0b10_00_10_00).AsDouble(), 0b11_01_10_00).AsSingle();
        odd = Avx2.Permute4x64(Avx.Shuffle(lo, hi, 0b11_01_11_01).AsDouble(), 0b11_01_10_00).AsSingle();
    }

    private static void Take(Vector256<float> v, Vector256<int> at, ref Vector256<float> max, ref Vector256<int> offset)
    {
        var take = Avx.Or(Avx.Compare(v, max, FloatComparisonMode.OrderedGreaterThanNonSignaling),
            Avx.Compare(v, v, FloatComparisonMode.UnorderedNonSignaling));
        max = Avx.BlendVariable(max, v, take);
        offset = Avx.BlendVariable(offset.AsSingle(), at.AsSingle(), take).AsInt32();
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

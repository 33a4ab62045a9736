using System.Numerics.Tensors;
using MLNetMarginLoss.Engine.Kernels;

namespace MLNetMarginLoss.Engine.Layers;

/// <summary>
/// 2-D convolution over NCHW samples, weight [out, in, kh, kw] (PyTorch layout), square kernel, equal stride
/// and zero padding in both directions. PyTorch's default initialisation: U(−1/√fan_in, 1/√fan_in) for weight
/// and bias, fan_in = in·kh·kw.
/// <para>
/// Implemented as im2col + GEMM. The batch is processed in chunks of samples whose column matrices are laid side
/// by side in one scratch matrix [in·kh·kw × chunk·OH·OW], so each chunk costs one large GEMM per pass:
/// forward Y = W·cols, backward dW += dY·colsᵀ and dcols = Wᵀ·dY followed by col2im. The column matrix is rebuilt
/// in backward rather than kept for the whole batch (it would be kh·kw times the input). All scratch buffers are
/// owned by the layer and reused.
/// </para>
/// </summary>
public sealed class Conv2d : Layer
{
    /// <summary>
    /// Columns (samples · OH · OW) a chunk aims for, so that GEMMs are large. Measured on the seed CNN's conv2
    /// (576 columns per sample) with OpenBLAS on 2 cores: 1 sample per chunk keeps 104 GFLOP/s, 8 samples 125,
    /// 16 samples 134 (the bare GEMMs reach 170–175 on those shapes). Internal so tests can force several chunks.
    /// </summary>
    internal int TargetChunkColumns { get; set; } = 9216;

    /// <summary>Upper bound on the column scratch matrix (floats), so layers with many input channels stay within ~32 MB.</summary>
    internal const int MaxColumnFloats = 8 << 20;

    private readonly Tensor _output = new(0, TensorShape.Vector(1));
    private readonly Tensor _inputGradient = new(0, TensorShape.Vector(1));
    private readonly ExpandWork _expand = new();
    private readonly ScatterWork _scatter = new();
    private readonly GatherWork _gather = new();
    private readonly AccumulateWork _accumulate = new();
    private float[] _columns = [];
    private float[] _product = [];
    private float[] _planeSums = [];
    private Tensor? _input;
    private ConvolutionGeometry _geometry;

    /// <summary>Creates a convolution with a square <paramref name="kernelSize"/>×<paramref name="kernelSize"/> kernel.</summary>
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, bool bias = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outChannels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernelSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = kernelSize;
        Stride = stride;
        Padding = padding;
        Weight = new Parameter("weight", outChannels, inChannels, kernelSize, kernelSize);
        Bias = bias ? new Parameter("bias", outChannels) { NoWeightDecay = true } : null;
        Initialize(new SeededRandom(0));
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }

    /// <summary>Output channels.</summary>
    public int OutChannels { get; }

    /// <summary>Kernel height and width.</summary>
    public int KernelSize { get; }

    /// <summary>Step between output positions, in both directions.</summary>
    public int Stride { get; }

    /// <summary>Zero padding added on every side.</summary>
    public int Padding { get; }

    /// <summary>Weight, [out, in, kh, kw].</summary>
    public Parameter Weight { get; }

    /// <summary>Bias, [out], or null.</summary>
    public Parameter? Bias { get; }

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> Parameters => Bias is null ? [Weight] : [Weight, Bias];

    private int PatchSize => InChannels * KernelSize * KernelSize;

    /// <inheritdoc />
    public override void Initialize(SeededRandom random)
    {
        float bound = 1f / MathF.Sqrt(PatchSize);
        foreach (ref var w in Weight.Value.AsSpan()) w = random.Uniform(-bound, bound);
        if (Bias is not null) foreach (ref var v in Bias.Value.AsSpan()) v = random.Uniform(-bound, bound);
    }

    /// <inheritdoc />
    public override TensorShape GetOutputShape(TensorShape input)
    {
        var g = Geometry(input);
        return new TensorShape(OutChannels, g.OutputHeight, g.OutputWidth);
    }

    private ConvolutionGeometry Geometry(TensorShape input)
    {
        if (input.Channels != InChannels)
            throw new ArgumentException(
                $"{this} expects input samples with {InChannels} channels, got {input.Channels} ({input}).");
        try { return new ConvolutionGeometry(input, KernelSize, KernelSize, Stride, Padding); }
        catch (ArgumentException e) { throw new ArgumentException($"{this}: {e.Message}", e); }
    }

    /// <inheritdoc />
    public override string ToString()
        => $"Conv2d({InChannels}→{OutChannels}, {KernelSize}×{KernelSize}, stride {Stride}, padding {Padding})";

    // Samples per chunk and the scratch they need.
    private int ChunkSamples(int rows, in ConvolutionGeometry g)
    {
        long perSample = (long)g.PatchSize * g.OutputPlane;
        int byColumns = (TargetChunkColumns + g.OutputPlane - 1) / g.OutputPlane;
        int byMemory = (int)Math.Max(1, MaxColumnFloats / perSample);
        return Math.Clamp(Math.Min(byColumns, byMemory), 1, Math.Max(1, rows));
    }

    private static float[] Ensure(float[] buffer, long length)
        => buffer.Length >= length ? buffer : new float[checked((int)length)];

    /// <inheritdoc />
    public override Tensor Forward(Tensor input, bool training)
    {
        var g = Geometry(input.Shape);
        _geometry = g;
        int n = input.Rows, p = g.OutputPlane, k = g.PatchSize, oc = OutChannels;
        _output.Reshape(n, new TensorShape(oc, g.OutputHeight, g.OutputWidth));
        _input = input;
        if (n == 0) return _output;
        int chunk = ChunkSamples(n, g);
        _columns = Ensure(_columns, (long)k * chunk * p);
        _product = Ensure(_product, (long)oc * chunk * p);
        var pool = Context.Pool;
        for (int s0 = 0; s0 < n; s0 += chunk)
        {
            int count = Math.Min(chunk, n - s0);
            int ld = count * p;
            _expand.Set(g, input.Data, s0, _columns, ld);
            _expand.Run(pool, count * g.Channels);
            Context.Gemm.Sgemm(false, false, oc, ld, k, 1f, Weight.Value, k, _columns.AsSpan(0, k * ld), ld,
                0f, _product.AsSpan(0, oc * ld), ld);
            _scatter.Set(_product, ld, p, oc, _output.Data, s0, Bias?.Value);
            _scatter.Run(pool, count * oc);
        }
        return _output;
    }

    /// <inheritdoc />
    public override Tensor Backward(Tensor outputGradient)
    {
        var x = _input ?? throw new InvalidOperationException("Conv2d.Backward called before Forward.");
        ExpectGradient(nameof(Conv2d), _output, outputGradient);
        var g = _geometry;
        int n = x.Rows, p = g.OutputPlane, k = g.PatchSize, oc = OutChannels;
        var dy = outputGradient.Data;
        bool wantInput = RequiresInputGradient;
        _inputGradient.Reshape(wantInput ? n : 0, x.Shape);

        if (n == 0)
        {
            Weight.Gradient.AsSpan().Clear();
            Bias?.Gradient.AsSpan().Clear();
            return _inputGradient;
        }
        // Per-(sample, channel) sums of dY, taken while gathering; reduced in a fixed order afterwards.
        if (Bias is not null && _planeSums.Length < n * oc) _planeSums = new float[n * oc];

        int chunk = ChunkSamples(n, g);
        _columns = Ensure(_columns, (long)k * chunk * p);
        _product = Ensure(_product, (long)oc * chunk * p);
        var pool = Context.Pool;
        for (int s0 = 0; s0 < n; s0 += chunk)
        {
            int count = Math.Min(chunk, n - s0);
            int ld = count * p;
            // dY of the chunk as one [out × chunk·OH·OW] matrix.
            _gather.Set(dy, s0, p, oc, _product, ld, Bias is null ? null : _planeSums);
            _gather.Run(pool, count * oc);
            var dyChunk = _product.AsSpan(0, oc * ld);
            _expand.Set(g, x.Data, s0, _columns, ld);
            _expand.Run(pool, count * g.Channels);
            var cols = _columns.AsSpan(0, k * ld);
            // dW[out, k] (+)= dY[out, cols] · colsᵀ
            Context.Gemm.Sgemm(false, true, oc, k, ld, 1f, dyChunk, ld, cols, ld, s0 == 0 ? 0f : 1f, Weight.Gradient, k);
            if (!wantInput) continue;
            // dcols[k, cols] = Wᵀ · dY, written over the column matrix (no longer needed), then col2im.
            Context.Gemm.Sgemm(true, false, k, ld, oc, 1f, Weight.Value, k, dyChunk, ld, 0f, cols, ld);
            _accumulate.Set(g, _columns, ld, _inputGradient.Data, s0);
            _accumulate.Run(pool, count * g.Channels);
        }
        if (Bias is not null)
        {
            var db = Bias.Gradient.AsSpan();
            db.Clear();
            for (int i = 0; i < n; i++) TensorPrimitives.Add(db, _planeSums.AsSpan(i * oc, oc), db);
        }
        return _inputGradient;
    }

    /// <summary>im2col of samples [first, first + count) into one matrix; items are (sample, channel) pairs.</summary>
    private sealed class ExpandWork : RangeWork
    {
        private ConvolutionGeometry _g;
        private float[] _input = [], _columns = [];
        private int _first, _ld;

        public void Set(in ConvolutionGeometry g, float[] input, int first, float[] columns, int ld)
        {
            _g = g; _input = input; _first = first; _columns = columns; _ld = ld;
        }

        protected override void Process(int start, int end)
        {
            int c = _g.Channels, plane = _g.InputPlane, p = _g.OutputPlane;
            for (int item = start; item < end; item++)
            {
                int s = item / c, ch = item % c;
                var src = _input.AsSpan(((_first + s) * c + ch) * plane, plane);
                Im2Col.Expand(_g, src, ch, _columns, _ld, s * p);
            }
        }
    }

    /// <summary>col2im of a chunk's column-gradient matrix into the input gradient; items are (sample, channel) pairs.</summary>
    private sealed class AccumulateWork : RangeWork
    {
        private ConvolutionGeometry _g;
        private float[] _columns = [], _target = [];
        private int _first, _ld;

        public void Set(in ConvolutionGeometry g, float[] columns, int ld, float[] target, int first)
        {
            _g = g; _columns = columns; _ld = ld; _target = target; _first = first;
        }

        protected override void Process(int start, int end)
        {
            int c = _g.Channels, plane = _g.InputPlane, p = _g.OutputPlane;
            for (int item = start; item < end; item++)
            {
                int s = item / c, ch = item % c;
                Im2Col.Accumulate(_g, _columns, _ld, s * p, ch, _target.AsSpan(((_first + s) * c + ch) * plane, plane));
            }
        }
    }

    /// <summary>Copies a chunk's [out × chunk·P] GEMM result into NCHW order, adding the bias; items are (sample, channel).</summary>
    private sealed class ScatterWork : RangeWork
    {
        private float[] _product = [], _output = [];
        private float[]? _bias;
        private int _ld, _plane, _channels, _first;

        public void Set(float[] product, int ld, int plane, int channels, float[] output, int first, float[]? bias)
        {
            _product = product; _ld = ld; _plane = plane; _channels = channels; _output = output; _first = first; _bias = bias;
        }

        protected override void Process(int start, int end)
        {
            for (int item = start; item < end; item++)
            {
                int s = item / _channels, o = item % _channels;
                var src = _product.AsSpan(o * _ld + s * _plane, _plane);
                var dst = _output.AsSpan(((_first + s) * _channels + o) * _plane, _plane);
                if (_bias is null) src.CopyTo(dst); else TensorPrimitives.Add(src, _bias[o], dst);
            }
        }
    }

    /// <summary>
    /// Copies a chunk of NCHW output gradients into one [out × chunk·P] matrix, and records each plane's sum
    /// (for the bias gradient) when asked; items are (sample, channel).
    /// </summary>
    private sealed class GatherWork : RangeWork
    {
        private float[] _gradient = [], _matrix = [];
        private float[]? _sums;
        private int _first, _plane, _channels, _ld;

        public void Set(float[] gradient, int first, int plane, int channels, float[] matrix, int ld, float[]? sums)
        {
            _gradient = gradient; _first = first; _plane = plane; _channels = channels; _matrix = matrix; _ld = ld; _sums = sums;
        }

        protected override void Process(int start, int end)
        {
            for (int item = start; item < end; item++)
            {
                int s = item / _channels, o = item % _channels;
                var from = _gradient.AsSpan(((_first + s) * _channels + o) * _plane, _plane);
                from.CopyTo(_matrix.AsSpan(o * _ld + s * _plane, _plane));
                if (_sums is not null) _sums[(_first + s) * _channels + o] = TensorPrimitives.Sum(from);
            }
        }
    }
}

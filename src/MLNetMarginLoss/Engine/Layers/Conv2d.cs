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
/// <para>
/// With the managed or reference GEMM the batch is split into one contiguous share of samples per pool thread;
/// each thread runs its chunks start to finish (im2col, a single-threaded GEMM, col2im) in its own scratch, and
/// the per-thread weight gradients are summed in thread order, so results are bit-identical for a given thread
/// count. With OpenBLAS the chunks run one after another, each step parallelised separately.
/// </para>
/// </summary>
internal sealed class Conv2d : Layer
{
    /// <summary>
    /// Columns (samples · OH · OW) a chunk aims for, so that GEMMs are large. Measured on the seed CNN's conv2
    /// (576 columns per sample) with OpenBLAS on 2 cores: 1 sample per chunk keeps 104 GFLOP/s, 8 samples 125,
    /// 16 samples 134 (the bare GEMMs reach 170–175 on those shapes). Internal so tests can force several chunks.
    /// </summary>
    internal int TargetChunkColumns { get; set; } = 9216;

    /// <summary>
    /// Columns a chunk aims for on the sample-split path, where each GEMM runs on one thread. Single-threaded
    /// managed GEMMs on the seed CNN's conv2 (576 columns per sample) run as fast per sample at 1–4 samples per
    /// chunk as at 16 (0.10–0.12 ms per sample and product), and a one-sample chunk needs no copy between the
    /// GEMM's layout and NCHW, so layers with at least this many output positions go one sample at a time.
    /// <see cref="TargetChunkColumns"/> still caps it (tests force small chunks).
    /// </summary>
    internal const int WorkerChunkColumns = 512;

    /// <summary>Upper bound on the column scratch matrix (floats), so layers with many input channels stay within ~32 MB.</summary>
    internal const int MaxColumnFloats = 8 << 20;

    private readonly Tensor _output = new(0, TensorShape.Vector(1));
    private readonly Tensor _inputGradient = new(0, TensorShape.Vector(1));
    private readonly ExpandWork _expand = new();
    private readonly ScatterWork _scatter = new();
    private readonly GatherWork _gather = new();
    private readonly AccumulateWork _accumulate = new();
    private readonly SampleShareWork _shares = new();
    private WorkerScratch[] _workers = [];
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
    private int ChunkSamples(int rows, in ConvolutionGeometry g, int targetColumns)
    {
        long perSample = (long)g.PatchSize * g.OutputPlane;
        int byColumns = (targetColumns + g.OutputPlane - 1) / g.OutputPlane;
        int byMemory = (int)Math.Max(1, MaxColumnFloats / perSample);
        return Math.Clamp(Math.Min(byColumns, byMemory), 1, Math.Max(1, rows));
    }

    private static float[] Ensure(float[] buffer, long length)
        => buffer.Length >= length ? buffer : new float[checked((int)length)];

    /// <summary>
    /// True when the batch is split over the worker pool by samples: each worker runs whole chunks (im2col →
    /// single-threaded GEMM → col2im) on its own share with its own scratch, and the weight gradient is reduced
    /// in a fixed order afterwards. The managed and reference GEMMs run inline on a pool worker, so this keeps
    /// every step parallel. OpenBLAS keeps its own process-wide threads and cannot run one call single-threaded,
    /// so with it the chunks run one after another and each GEMM uses every thread.
    /// </summary>
    private bool SplitsSamplesOverWorkers => Context.Provider != GemmProvider.OpenBlas;

    /// <summary>Workers that get a share of <paramref name="n"/> samples, and the chunk size each uses.</summary>
    private (int Workers, int Chunk) SampleShares(int n, in ConvolutionGeometry g)
    {
        int workers = Math.Clamp(Context.Pool.DegreeOfParallelism, 1, Math.Max(1, n));
        int share = (n + workers - 1) / workers;
        // Equal chunks within a share (e.g. 128 samples with a target of 14 → 10 chunks of 13, not 9 of 14 and one of 2).
        int target = ChunkSamples(share, g, Math.Min(TargetChunkColumns, WorkerChunkColumns));
        int pieces = (share + target - 1) / target;
        return (workers, (share + pieces - 1) / pieces);
    }

    private void EnsureWorkerScratch(int workers, long columnFloats, long productFloats, long weightFloats)
    {
        if (_workers.Length < workers)
        {
            var grown = new WorkerScratch[workers];
            _workers.CopyTo(grown, 0);
            for (int w = _workers.Length; w < workers; w++) grown[w] = new WorkerScratch();
            _workers = grown;
        }
        for (int w = 0; w < workers; w++)
        {
            var ws = _workers[w];
            ws.Columns = Ensure(ws.Columns, columnFloats);
            ws.Product = Ensure(ws.Product, productFloats);
            // Worker 0 writes straight into Weight.Gradient; the others keep partial sums.
            if (w > 0) ws.WeightGradient = Ensure(ws.WeightGradient, weightFloats);
        }
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input, bool training)
    {
        var g = Geometry(input.Shape);
        _geometry = g;
        int n = input.Rows, p = g.OutputPlane, k = g.PatchSize, oc = OutChannels;
        _output.Reshape(n, new TensorShape(oc, g.OutputHeight, g.OutputWidth));
        _input = input;
        if (n == 0) return _output;
        if (SplitsSamplesOverWorkers)
        {
            var (workers, chunkSamples) = SampleShares(n, g);
            EnsureWorkerScratch(workers, (long)k * chunkSamples * p, (long)oc * chunkSamples * p, (long)oc * k);
            _shares.Set(this, backward: false, n, workers, chunkSamples, null, wantInput: false);
            Context.Pool.Run(_shares, workers);
            return _output;
        }
        int chunk = ChunkSamples(n, g, TargetChunkColumns);
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

        if (SplitsSamplesOverWorkers)
        {
            var (workers, chunkSamples) = SampleShares(n, g);
            EnsureWorkerScratch(workers, (long)k * chunkSamples * p, (long)oc * chunkSamples * p, (long)oc * k);
            _shares.Set(this, backward: true, n, workers, chunkSamples, dy, wantInput);
            Context.Pool.Run(_shares, workers);
            // Partial weight gradients summed in worker order, so a fixed thread count gives fixed bits.
            var dw = Weight.Gradient.AsSpan();
            for (int w = 1; w < workers; w++) TensorPrimitives.Add(dw, _workers[w].WeightGradient.AsSpan(0, oc * k), dw);
        }
        else
        {
            int chunk = ChunkSamples(n, g, TargetChunkColumns);
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
        }
        if (Bias is not null)
        {
            var db = Bias.Gradient.AsSpan();
            db.Clear();
            for (int i = 0; i < n; i++) TensorPrimitives.Add(db, _planeSums.AsSpan(i * oc, oc), db);
        }
        return _inputGradient;
    }

    /// <summary>
    /// Forward for samples [first, end): chunk by chunk, im2col → GEMM → NCHW output with bias, all on this thread.
    /// A one-sample chunk's GEMM result [out × OH·OW] already is the sample's NCHW output, so it is written in place.
    /// </summary>
    private void ForwardShare(WorkerScratch ws, int first, int end, int chunkSamples)
    {
        var g = _geometry;
        var x = _input!;
        var bias = Bias?.Value;
        int p = g.OutputPlane, k = g.PatchSize, oc = OutChannels;
        for (int s0 = first; s0 < end; s0 += chunkSamples)
        {
            int count = Math.Min(chunkSamples, end - s0);
            int ld = count * p;
            ExpandItems(g, x.Data, s0, ws.Columns, ld, 0, count * g.Channels);
            var cols = ws.Columns.AsSpan(0, k * ld);
            if (count == 1)
            {
                var y = _output.Data.AsSpan(s0 * oc * p, oc * p);
                Context.Gemm.Sgemm(false, false, oc, p, k, 1f, Weight.Value, k, cols, p, 0f, y, p);
                if (bias is not null)
                    for (int o = 0; o < oc; o++) TensorPrimitives.Add(y.Slice(o * p, p), bias[o], y.Slice(o * p, p));
                continue;
            }
            Context.Gemm.Sgemm(false, false, oc, ld, k, 1f, Weight.Value, k, cols, ld, 0f, ws.Product.AsSpan(0, oc * ld), ld);
            ScatterItems(ws.Product, ld, p, oc, _output.Data, s0, bias, 0, count * oc);
        }
    }

    /// <summary>
    /// Backward for samples [first, end) on this thread: the share's weight gradient goes to
    /// <paramref name="weightGradient"/> (overwritten), its input gradient and per-plane dY sums to the layer's buffers.
    /// A one-sample chunk reads its dY [out × OH·OW] straight from the NCHW gradient.
    /// </summary>
    private void BackwardShare(WorkerScratch ws, int first, int end, int chunkSamples, float[] dy, bool wantInput, float[] weightGradient)
    {
        var g = _geometry;
        var x = _input!;
        int p = g.OutputPlane, k = g.PatchSize, oc = OutChannels;
        var sums = Bias is null ? null : _planeSums;
        for (int s0 = first; s0 < end; s0 += chunkSamples)
        {
            int count = Math.Min(chunkSamples, end - s0);
            int ld = count * p;
            Span<float> dyChunk;
            if (count == 1)
            {
                dyChunk = dy.AsSpan(s0 * oc * p, oc * p);
                if (sums is not null)
                    for (int o = 0; o < oc; o++) sums[s0 * oc + o] = TensorPrimitives.Sum(dyChunk.Slice(o * p, p));
            }
            else
            {
                GatherItems(dy, s0, p, oc, ws.Product, ld, sums, 0, count * oc);
                dyChunk = ws.Product.AsSpan(0, oc * ld);
            }
            ExpandItems(g, x.Data, s0, ws.Columns, ld, 0, count * g.Channels);
            var cols = ws.Columns.AsSpan(0, k * ld);
            // dW[out, k] (+)= dY[out, cols] · colsᵀ
            Context.Gemm.Sgemm(false, true, oc, k, ld, 1f, dyChunk, ld, cols, ld, s0 == first ? 0f : 1f, weightGradient, k);
            if (!wantInput) continue;
            // dcols = Wᵀ · dY over the column matrix, then col2im.
            Context.Gemm.Sgemm(true, false, k, ld, oc, 1f, Weight.Value, k, dyChunk, ld, 0f, cols, ld);
            AccumulateItems(g, ws.Columns, ld, _inputGradient.Data, s0, 0, count * g.Channels);
        }
    }

    /// <summary>Scratch owned by one worker of the sample-split path.</summary>
    private sealed class WorkerScratch
    {
        public float[] Columns = [], Product = [], WeightGradient = [];
    }

    /// <summary>One pool chunk per worker; worker w takes samples [n·w/W, n·(w+1)/W).</summary>
    private sealed class SampleShareWork : IParallelWork
    {
        private Conv2d _layer = null!;
        private float[]? _dy;
        private bool _backward, _wantInput;
        private int _n, _workers, _chunkSamples;

        public void Set(Conv2d layer, bool backward, int n, int workers, int chunkSamples, float[]? dy, bool wantInput)
        {
            _layer = layer; _backward = backward; _n = n; _workers = workers; _chunkSamples = chunkSamples; _dy = dy; _wantInput = wantInput;
        }

        public void Execute(int chunk, int chunkCount)
        {
            int first = (int)((long)_n * chunk / _workers), end = (int)((long)_n * (chunk + 1) / _workers);
            var ws = _layer._workers[chunk];
            if (!_backward) { _layer.ForwardShare(ws, first, end, _chunkSamples); return; }
            var dw = chunk == 0 ? _layer.Weight.Gradient : ws.WeightGradient;
            _layer.BackwardShare(ws, first, end, _chunkSamples, _dy!, _wantInput, dw);
        }
    }

    // The per-item loops behind both paths; an item is a (sample, channel) pair of a chunk starting at sample `first`.

    private static void ExpandItems(in ConvolutionGeometry g, float[] input, int first, float[] columns, int ld, int start, int end)
    {
        int c = g.Channels, plane = g.InputPlane, p = g.OutputPlane;
        for (int item = start; item < end; item++)
        {
            int s = item / c, ch = item % c;
            Im2Col.Expand(g, input.AsSpan(((first + s) * c + ch) * plane, plane), ch, columns, ld, s * p);
        }
    }

    private static void AccumulateItems(in ConvolutionGeometry g, float[] columns, int ld, float[] target, int first, int start, int end)
    {
        int c = g.Channels, plane = g.InputPlane, p = g.OutputPlane;
        for (int item = start; item < end; item++)
        {
            int s = item / c, ch = item % c;
            Im2Col.Accumulate(g, columns, ld, s * p, ch, target.AsSpan(((first + s) * c + ch) * plane, plane));
        }
    }

    private static void ScatterItems(float[] product, int ld, int plane, int channels, float[] output, int first, float[]? bias, int start, int end)
    {
        for (int item = start; item < end; item++)
        {
            int s = item / channels, o = item % channels;
            var src = product.AsSpan(o * ld + s * plane, plane);
            var dst = output.AsSpan(((first + s) * channels + o) * plane, plane);
            if (bias is null) src.CopyTo(dst); else TensorPrimitives.Add(src, bias[o], dst);
        }
    }

    private static void GatherItems(float[] gradient, int first, int plane, int channels, float[] matrix, int ld, float[]? sums, int start, int end)
    {
        for (int item = start; item < end; item++)
        {
            int s = item / channels, o = item % channels;
            var from = gradient.AsSpan(((first + s) * channels + o) * plane, plane);
            from.CopyTo(matrix.AsSpan(o * ld + s * plane, plane));
            if (sums is not null) sums[(first + s) * channels + o] = TensorPrimitives.Sum(from);
        }
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

        protected override void Process(int start, int end) => ExpandItems(_g, _input, _first, _columns, _ld, start, end);
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

        protected override void Process(int start, int end) => AccumulateItems(_g, _columns, _ld, _target, _first, start, end);
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
            => ScatterItems(_product, _ld, _plane, _channels, _output, _first, _bias, start, end);
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
            => GatherItems(_gradient, _first, _plane, _channels, _matrix, _ld, _sums, start, end);
    }
}

using System.Numerics.Tensors;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Losses;
using Tensor = MLNetMarginLoss.Engine.Tensor;

namespace MLNetMarginLoss.Heads;

/// <summary>
/// A cosine head, split along insightface's seam: <see cref="Centers"/> (the [C·K, E] class centres: normalise, cosine
/// against a set of columns, sub-centre max, clamp) and <see cref="Margin"/> (a function of the batch's cosines, the
/// rows' labels as columns and the feature norms, with its small adaptive state), followed by softmax cross-entropy.
/// Forward: x̂ = x / max(‖x‖, 10⁻¹²); the columns are every class, or — with a <see cref="Sampler"/> (Partial FC) —
/// the batch's positive classes plus sampled negatives, labels re-mapped to those columns; cos θ [N, S] from the
/// centres; logits = the margin's s·φ / s·cos θ. Backward: the margin's ∂/∂cos and ∂/∂‖x‖, the centres' backward (only
/// the columns' centre rows get a gradient), then the normalisation of x:
/// ∂L/∂x_i = (g − x̂_i(x̂_i·g))/‖x_i‖ + ∂L/∂‖x_i‖·x̂_i with g = ∂L/∂x̂_i.
/// <para>Predict(x) = s·cos θ against every class: no labels, no margin, no sampling.</para>
/// <para>
/// Class sharding (<see cref="Shard"/>, training across processes): the head holds only its shard's centres and
/// columns, takes global labels (a label outside the shard becomes −1), sums each row's target cosine and the margin's
/// statistics over the shards before the margin, and counts the auxiliary loss's norm gradient on the first shard only;
/// the cross-entropy over all shards' columns is the caller's (a distributed softmax).
/// </para>
/// All buffers are owned and reused. A caller may pass the logits tensor Forward returned, overwritten with ∂L/∂logits
/// (an in-place cross-entropy), to Backward, which then works in it and saves a buffer of N × S floats.
/// </summary>
internal sealed class CosineMarginHead : MarginHead
{
    private readonly ClassCenters.CosineWork _work = new();
    private readonly ClassCenters.CosineWork _predictWork = new();
    private readonly MarginBatch _batch = new();
    private readonly SoftmaxCrossEntropy _lossWithoutMargin = new();
    private readonly Tensor _xHat = new(0, TensorShape.Vector(1));
    private readonly Tensor _logits = new(0, TensorShape.Vector(1));
    private readonly Tensor _cosineGradient = new(0, TensorShape.Vector(1));
    private readonly Tensor _inputGradient = new(0, TensorShape.Vector(1));
    private readonly Tensor _predictXHat = new(0, TensorShape.Vector(1));
    private readonly Tensor _predict = new(0, TensorShape.Vector(1));
    private float[] _predictNorms = [];
    private double[] _normGradient = [];
    private int[] _columns = [];
    private int[] _localLabels = [];
    private double[] _statistics = [];
    private int _rows = -1;
    private int _sampledColumns;

    /// <summary>
    /// Composes a head of <paramref name="centers"/> and <paramref name="margin"/>: the same class count, or with a
    /// <paramref name="shard"/> the shard's classes for the centres and all classes for the margin.
    /// </summary>
    public CosineMarginHead(ClassCenters centers, MarginFunction margin, ClassShard? shard = null)
        : base(centers.EmbeddingSize, centers.ClassCount)
    {
        ArgumentNullException.ThrowIfNull(margin);
        int total = shard?.TotalClasses ?? centers.ClassCount;
        if (margin.ClassCount != total)
            throw new ArgumentException($"The margin is for {margin.ClassCount} classes, the centres for {total}.", nameof(margin));
        if (shard is not null && shard.ClassCount != centers.ClassCount)
            throw new ArgumentException($"The shard holds {shard.ClassCount} classes, the centres {centers.ClassCount}.", nameof(shard));
        Centers = centers;
        Margin = margin;
        Shard = shard;
        margin.CountsAuxiliaryGradient = shard is null || shard.Index == 0;
    }

    /// <summary>The share of the classes this head holds when classes are sharded across processes; null (the default) for all of them.</summary>
    public ClassShard? Shard { get; }

    /// <summary>The last training forward pass's batch (cosines, columns, labels as columns, target cosines, feature norms).</summary>
    internal MarginBatch LastBatch => _batch;

    /// <summary>The class centres.</summary>
    public ClassCenters Centers { get; }

    /// <summary>The margin function and its adaptive state.</summary>
    public MarginFunction Margin { get; }

    /// <summary>Centres per class K.</summary>
    public int SubCenters => Centers.SubCenters;

    /// <summary>The logit scale s in use.</summary>
    public double Scale => Margin.Scale;

    /// <summary>Whether the target back-propagates as s·cos θ_y.</summary>
    public bool StraightThrough => Margin.StraightThrough;

    /// <summary>The clamp's bounds exactly as the float kernels use them (for the ONNX export).</summary>
    internal (float Low, float High) CosineClamp => ((float)(-1 + Margin.CosineEpsilon), (float)(1 - Margin.CosineEpsilon));

    /// <summary>Partial FC: the column sampler of training forward passes; null (the default) uses every class.</summary>
    public PartialFcSampler? Sampler { get; set; }

    /// <inheritdoc />
    public override string Kind => Margin.Kind;

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> Parameters => [];

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> Buffers => Margin.Buffers;

    /// <inheritdoc />
    public override bool MarginEnabled
    {
        get => Margin.MarginEnabled;
        set => Margin.MarginEnabled = value;
    }

    /// <inheritdoc />
    public override double AuxiliaryLoss => Margin.AuxiliaryLoss;

    /// <summary>Xavier-uniform centres, then the margin's fresh state.</summary>
    public override void Initialize(SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (Shard is { } shard)
            Centers.Initialize(random, (long)shard.FirstClass * SubCenters, (long)shard.TotalClasses * SubCenters);
        else
            Centers.Initialize(random);
        Margin.ResetState(random);
    }

    /// <inheritdoc />
    public override void SeedRandomness(SeededRandom random)
    {
        Margin.SeedRandomness(random);
        if (Sampler is { } sampler)
        {
            // Each shard draws its own negatives: shard i's generator is the i-th fork down from the same one.
            var source = random.Fork();
            for (int i = 0; i < (Shard?.Index ?? 0); i++) source = source.Fork();
            sampler.Seed(source);
        }
    }

    /// <inheritdoc />
    public override HeadOptions GetOptions()
    {
        var options = Margin.GetOptions();
        options.SubCenters = SubCenters;
        return options;
    }

    /// <inheritdoc />
    public override ReadOnlySpan<int> ColumnLabels => _batch.Labels.AsSpan(0, Math.Max(_rows, 0));

    /// <summary>The classes the last <see cref="Forward"/>'s columns stand for, ascending (every class when nothing was sampled).</summary>
    public IReadOnlyList<int> ColumnClasses => _sampledColumns > 0 ? new ArraySegment<int>(_columns, 0, _sampledColumns) : Enumerable.Range(0, ClassCount).ToArray();

    /// <inheritdoc />
    public override Tensor Forward(Tensor embeddings, ReadOnlySpan<int> labels, bool training)
    {
        ValidateEmbeddings(embeddings);
        int n = embeddings.Rows;
        ValidateClassLabels(labels, n);
        _batch.EnsureRows(n);
        int first = Shard?.FirstClass ?? 0;
        int[]? columns = null;
        int count = ClassCount;
        if (training && Sampler is { } sampler)
        {
            if (_columns.Length < sampler.MaxColumns(n)) _columns = new int[sampler.MaxColumns(n)];
            var local = labels;
            if (first != 0)
            {
                // The sampler's classes are the shard's (0-based); labels of other shards fall outside and map to −1.
                if (_localLabels.Length < n) _localLabels = new int[n];
                for (int i = 0; i < n; i++) _localLabels[i] = labels[i] - first;
                local = _localLabels.AsSpan(0, n);
            }
            count = sampler.Sample(local, _columns, _batch.Labels);
            columns = _columns;
            _sampledColumns = count;
        }
        else
        {
            for (int i = 0; i < n; i++) _batch.Labels[i] = (uint)(labels[i] - first) < (uint)ClassCount ? labels[i] - first : -1;
            _sampledColumns = 0;
        }
        return ForwardColumns(embeddings, columns, count, training);
    }

    /// <summary>
    /// A training forward pass against the given classes (ascending, at least every label's class; one process only),
    /// as a Partial FC pass that sampled exactly these columns computes it.
    /// </summary>
    internal Tensor ForwardOnColumns(Tensor embeddings, ReadOnlySpan<int> labels, ReadOnlySpan<int> columns)
    {
        ValidateEmbeddings(embeddings);
        if (Shard is not null) throw new InvalidOperationException("ForwardOnColumns is for a head holding every class.");
        int n = embeddings.Rows;
        ValidateClassLabels(labels, n);
        _batch.EnsureRows(n);
        if (_columns.Length < columns.Length) _columns = new int[columns.Length];
        columns.CopyTo(_columns);
        for (int i = 0; i < n; i++) _batch.Labels[i] = Math.Max(-1, columns.BinarySearch(labels[i]));
        _sampledColumns = columns.Length;
        return ForwardColumns(embeddings, _columns, columns.Length, training: true);
    }

    private Tensor ForwardColumns(Tensor embeddings, int[]? columns, int count, bool training)
    {
        int n = embeddings.Rows;
        _batch.Rows = n;
        Normalize(embeddings, _xHat, _batch.FeatureNorms);
        Centers.Context = Context;
        _batch.Columns = count;
        var (low, high) = CosineClamp;
        Centers.Forward(_work, _xHat, columns, count, low, high, _batch.Cosines);
        for (int i = 0; i < n; i++)
        {
            int y = _batch.Labels[i];
            _batch.TargetCosines[i] = y >= 0 ? _batch.Cosines.Row(i)[y] : 0;
        }
        Shard?.Reduction.Sum(_batch.TargetCosines.AsSpan(0, n));

        ReadOnlySpan<double> totals = [];
        if (Margin.MarginEnabled && training && Margin.StatisticsLength > 0)
        {
            if (_statistics.Length < Margin.StatisticsLength) _statistics = new double[Margin.StatisticsLength];
            var sums = _statistics.AsSpan(0, Margin.StatisticsLength);
            Margin.LocalStatistics(_batch, sums);
            Shard?.Reduction.Sum(sums);
            totals = sums;
        }
        Margin.Forward(_batch, training, totals, _logits);
        _rows = n;
        return _logits;
    }

    /// <summary>One label per row, each a class of the whole head (every shard's classes when sharded).</summary>
    private void ValidateClassLabels(ReadOnlySpan<int> labels, int rows)
    {
        if (Shard is null) { ValidateLabels(labels, rows); return; }
        if (labels.Length != rows)
            throw new ArgumentException($"The {Kind} head got {labels.Length} labels for {rows} embeddings; expected one label per row.", nameof(labels));
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)Shard.TotalClasses)
                throw new ArgumentOutOfRangeException(nameof(labels), labels[i], $"Label {labels[i]} at row {i} is outside the head's class range [0, {Shard.TotalClasses}).");
    }

    /// <inheritdoc />
    public override double LossWithoutMargin(out int correct)
    {
        if (_rows < 0) throw new InvalidOperationException($"The {Kind} head's LossWithoutMargin was called before Forward.");
        if (Shard is not null) throw new InvalidOperationException("A class shard's loss needs every shard's columns: compute it with a distributed softmax.");
        return _lossWithoutMargin.LossOnly(_batch.Cosines, ColumnLabels, (float)Margin.Scale, out correct);
    }

    /// <inheritdoc />
    public override Tensor Backward(Tensor logitGradient)
    {
        ArgumentNullException.ThrowIfNull(logitGradient);
        if (_rows < 0) throw new InvalidOperationException($"The {Kind} head's Backward was called before Forward.");
        int n = _rows, e = EmbeddingSize;
        if (_normGradient.Length < n) _normGradient = new double[n];
        // In place when the caller hands back the logits tensor itself (holding ∂L/∂logits), else into a buffer of our own.
        var cosineGradient = ReferenceEquals(logitGradient, _logits) ? _logits : _cosineGradient;
        Margin.Backward(logitGradient, cosineGradient, _normGradient);
        Centers.Context = Context;
        Centers.Backward(_work, _xHat, _batch.Cosines, cosineGradient, _inputGradient);
        var xGrad = _inputGradient.Span;
        var xHat = _xHat.Span;
        var norms = _batch.FeatureNorms;
        for (int i = 0; i < n; i++)
            NormalizeBackward(xGrad.Slice(i * e, e), xHat.Slice(i * e, e), norms[i], (float)_normGradient[i]);
        return _inputGradient;
    }

    /// <summary>Inference logits s·cos θ [N, C] (max over sub-centres, clamped like training): no labels, no margin.</summary>
    public override Tensor Predict(Tensor embeddings)
    {
        ValidateEmbeddings(embeddings);
        int n = embeddings.Rows;
        if (_predictNorms.Length < n) _predictNorms = new float[n];
        Normalize(embeddings, _predictXHat, _predictNorms);
        var (low, high) = CosineClamp;
        Centers.Context = Context;
        Centers.Forward(_predictWork, _predictXHat, null, ClassCount, low, high, _predict);
        TensorPrimitives.Multiply(_predict.Span, (float)Scale, _predict.Span);
        return _predict;
    }

    /// <summary>Raw cosines [N, C·K] of <paramref name="embeddings"/> against every centre (any norm), for outlier detection.</summary>
    internal Tensor CentreCosines(Tensor embeddings, Tensor destination)
    {
        ValidateEmbeddings(embeddings);
        int n = embeddings.Rows;
        if (_predictNorms.Length < n) _predictNorms = new float[n];
        Normalize(embeddings, _predictXHat, _predictNorms);
        Centers.Context = Context;
        Centers.CentreCosines(_predictWork, _predictXHat, destination);
        return destination;
    }

    private void Normalize(Tensor x, Tensor xHat, float[] norms)
    {
        int n = x.Rows, e = EmbeddingSize;
        xHat.Reshape(n, TensorShape.Vector(e));
        var source = x.Span;
        var destination = xHat.Span;
        for (int r = 0; r < n; r++)
        {
            var v = source.Slice(r * e, e);
            float norm = TensorPrimitives.Norm(v);
            norms[r] = norm;
            TensorPrimitives.Multiply(v, 1f / Math.Max(norm, ClassCenters.NormFloor), destination.Slice(r * e, e));
        }
    }

    /// <summary>
    /// Turns ∂L/∂v̂ into ∂L/∂v in place for v̂ = v / max(‖v‖, floor): (g − v̂(v̂·g)) / ‖v‖, plus
    /// <paramref name="normGradient"/>·v̂ for a loss that also depends on ‖v‖ directly.
    /// </summary>
    private static void NormalizeBackward(Span<float> gradient, ReadOnlySpan<float> unit, float norm, float normGradient)
    {
        if (norm > ClassCenters.NormFloor)
        {
            float dot = TensorPrimitives.Dot(unit, gradient);
            TensorPrimitives.MultiplyAdd(unit, -dot, gradient, gradient);
            TensorPrimitives.Multiply(gradient, 1f / norm, gradient);
            if (normGradient != 0) TensorPrimitives.MultiplyAdd(unit, normGradient, gradient, gradient);
        }
        else
        {
            TensorPrimitives.Multiply(gradient, 1f / ClassCenters.NormFloor, gradient);
        }
    }
}

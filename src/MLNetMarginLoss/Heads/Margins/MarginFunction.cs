using System.Numerics.Tensors;
using MLNetMarginLoss.Engine;
using Tensor = MLNetMarginLoss.Engine.Tensor;

namespace MLNetMarginLoss.Heads;

/// <summary>
/// The margin of a cosine head (insightface's seam between the class centres and the loss): a function of one batch's
/// clamped cosines cos θ_ij [N, S] against S columns (all classes, or the classes a Partial FC sampler chose), each
/// row's label as a column index (−1: the row's class is not among these columns, as on another rank's shard), each
/// row's target cosine cos θ_{y_i} (known even when the column is elsewhere), and the feature norms ‖x_i‖. It maps
/// the target cosine to φ(cos θ_y) and may re-map non-targets; logits = s·(those values). Adaptive state (AdaCos's s,
/// CurricularFace's t, AdaFace's norm statistics, SphereFace's iteration) is small and updated before the logits of
/// a training batch; it is a constant in backward.
/// <para>
/// Backward: ∂loss/∂logits → ∂loss/∂cos [N, S] (through φ′ for the target, the non-target derivative, or with
/// <see cref="StraightThrough"/> the derivative of s·cos θ_y) and ∂loss/∂‖x_i‖ (MagFace). The clamp, the sub-centre
/// max and the normalisations belong to <see cref="ClassCenters"/>.
/// </para>
/// <para>
/// Adaptive state that needs a sum over all classes (AdaCos's B_avg) is computed as <see cref="LocalStatistics"/>
/// over the batch's columns and combined by the caller (a sum across ranks when classes are sharded) before
/// <see cref="OnForward"/> uses it.
/// </para>
/// </summary>
internal abstract class MarginFunction
{
    private MarginBatch? _batch;
    private bool _marginInForward = true;
    private double _forwardScale;
    private double[] _targetDerivative = [];
    private double[] _targetNormDerivative = [];
    private readonly Tensor _nonTargetDerivative = new(0, TensorShape.Vector(1));

    /// <summary>Creates the margin for <paramref name="classCount"/> classes in total.</summary>
    protected MarginFunction(string kind, int classCount, double scale, bool straightThrough)
    {
        if (!double.IsFinite(scale) || scale <= 0)
            throw new ArgumentOutOfRangeException(nameof(scale), scale, $"The {kind} head needs a positive finite scale s, got {scale}.");
        Kind = kind;
        ClassCount = classCount;
        InitialScale = scale;
        StraightThrough = straightThrough;
    }

    /// <summary>The head's name ("arcface", "cosface", …).</summary>
    public string Kind { get; }

    /// <summary>Number of classes in total (all ranks' columns together).</summary>
    public int ClassCount { get; }

    /// <summary>The scale the head was created with (AdaCos: the value <see cref="Scale"/> starts from).</summary>
    public double InitialScale { get; }

    /// <summary>The logit scale s in use.</summary>
    public virtual double Scale => InitialScale;

    /// <summary>Back-propagate the target as s·cos θ_y (margin in the value only; no gradient through norm-dependent margins).</summary>
    public bool StraightThrough { get; }

    /// <summary>ε of the cosine clamp [−1 + ε, 1 − ε] (10⁻⁶ unless a head says otherwise).</summary>
    public virtual double CosineEpsilon => 1e-6;

    /// <summary>Non-trainable state saved with the model (adaptive scale, EMA statistics).</summary>
    public virtual IReadOnlyList<Parameter> Buffers => [];

    /// <summary>When false, logits are s·cos θ for every column and adaptive state is frozen (softmax warm-up).</summary>
    public bool MarginEnabled { get; set; } = true;

    /// <summary>The extra loss term of the last forward pass (MagFace's regulariser), 0 for most heads.</summary>
    public virtual double AuxiliaryLoss => 0;

    /// <summary>
    /// Whether <see cref="Backward"/> adds the auxiliary loss's ∂/∂‖x‖. Class shards all see every row, and their
    /// embedding gradients are summed, so exactly one shard (the first) counts this per-row term. Default: true.
    /// </summary>
    public bool CountsAuxiliaryGradient { get; set; } = true;

    /// <summary>The current batch (valid from <see cref="Forward"/> until the next one).</summary>
    protected MarginBatch Batch => _batch ?? throw new InvalidOperationException($"The {Kind} margin has seen no batch yet.");

    /// <summary>Rows of the current batch.</summary>
    protected int Rows => _batch?.Rows ?? 0;

    /// <summary>Clamped cosines [N, S] of the current batch.</summary>
    protected Tensor Cosines => Batch.Cosines;

    /// <summary>‖x_i‖ of the current batch.</summary>
    protected ReadOnlySpan<float> FeatureNorms => Batch.FeatureNorms.AsSpan(0, Rows);

    /// <summary>Each row's label as a column of the current batch, or −1.</summary>
    protected ReadOnlySpan<int> Labels => Batch.Labels.AsSpan(0, Rows);

    /// <summary>Each row's target cosine cos θ_{y_i} (clamped), wherever its column is.</summary>
    protected ReadOnlySpan<double> TargetCosines => Batch.TargetCosines.AsSpan(0, Rows);

    /// <summary>Resets adaptive state and randomness (a fresh head); the default does nothing.</summary>
    public virtual void ResetState(SeededRandom random) { }

    /// <summary>Re-seeds training randomness (ElasticFace's margins) from (seed, epoch); the default does nothing.</summary>
    public virtual void SeedRandomness(SeededRandom random) { }

    /// <summary>Length of <see cref="LocalStatistics"/> (0: the state needs no sum over columns).</summary>
    public virtual int StatisticsLength => 0;

    /// <summary>Partial sums over the batch's columns that <see cref="OnForward"/> needs in total (AdaCos).</summary>
    public virtual void LocalStatistics(MarginBatch batch, Span<double> sums) { }

    /// <summary>
    /// Updates adaptive state from the batch before any logit (only for training batches with the margin on) and
    /// fixes per-batch quantities (sampled margins, λ); <paramref name="totals"/> are <see cref="LocalStatistics"/>
    /// summed over every column of every rank.
    /// </summary>
    protected virtual void OnForward(bool training, ReadOnlySpan<double> totals) { }

    /// <summary>φ(cos θ_y) in cosine units (the logit is s·φ) with ∂φ/∂cos θ_y and ∂φ/∂‖x‖.</summary>
    protected abstract double TargetValue(int row, double cosine, out double dCosine, out double dNorm);

    /// <summary>True when the head re-maps non-target cosines (<see cref="NonTargetValue"/> is then called for each).</summary>
    protected virtual bool ModifiesNonTargets => false;

    /// <summary>A non-target's value and derivative; called for a row after <see cref="TargetValue"/> of that row.</summary>
    protected virtual double NonTargetValue(int row, double cosine, out double dCosine)
    {
        dCosine = 1;
        return cosine;
    }

    /// <summary>Adds ∂(auxiliary loss)/∂‖x_i‖ (MagFace); the default adds nothing.</summary>
    protected virtual void AddAuxiliaryNormGradient(Span<double> normGradient) { }

    /// <summary>The resolved options (every default filled in) that rebuild this margin.</summary>
    public abstract HeadOptions GetOptions();

    /// <summary>
    /// Training logits [N, S] for <paramref name="batch"/>: s·φ(cos θ_y) at each row's local label column (if any),
    /// s·cos θ_j (or the head's non-target value) elsewhere. <paramref name="totals"/>: the summed
    /// <see cref="LocalStatistics"/> (empty when <see cref="StatisticsLength"/> is 0).
    /// </summary>
    public void Forward(MarginBatch batch, bool training, ReadOnlySpan<double> totals, Tensor logits)
    {
        _batch = batch;
        int n = batch.Rows, c = batch.Columns;
        if (_targetDerivative.Length < n)
        {
            _targetDerivative = new double[n];
            _targetNormDerivative = new double[n];
        }
        bool margin = MarginEnabled;
        _marginInForward = margin;
        if (margin) OnForward(training, totals);

        double s = Scale;
        _forwardScale = s;
        float sf = (float)s;
        logits.Reshape(n, TensorShape.Vector(c));
        bool modifies = margin && ModifiesNonTargets;
        if (modifies) _nonTargetDerivative.Reshape(n, TensorShape.Vector(c));
        var labels = batch.Labels;
        for (int i = 0; i < n; i++)
        {
            var cos = batch.Cosines.Row(i);
            var z = logits.Row(i);
            int y = labels[i];
            double dCos = 1, dNorm = 0;
            double phi = margin ? TargetValue(i, batch.TargetCosines[i], out dCos, out dNorm) : batch.TargetCosines[i];
            _targetDerivative[i] = dCos;
            _targetNormDerivative[i] = dNorm;
            if (modifies)
            {
                var nd = _nonTargetDerivative.Row(i);
                for (int j = 0; j < c; j++)
                {
                    if (j == y) { nd[j] = 0; continue; }
                    double v = NonTargetValue(i, cos[j], out double d);
                    z[j] = (float)(s * v);
                    nd[j] = (float)d;
                }
            }
            else
            {
                TensorPrimitives.Multiply(cos, sf, z);
            }
            if (y >= 0) z[y] = (float)(s * phi);
        }
    }

    /// <summary>
    /// ∂loss/∂cos [N, S] into <paramref name="cosineGradient"/> (which may be <paramref name="logitGradient"/> itself)
    /// and ∂loss/∂‖x_i‖ into <paramref name="normGradient"/> from ∂loss/∂logits of the last <see cref="Forward"/>.
    /// The clamp is not applied here.
    /// </summary>
    public void Backward(Tensor logitGradient, Tensor cosineGradient, Span<double> normGradient)
    {
        var batch = Batch;
        int n = batch.Rows, c = batch.Columns;
        if (logitGradient.Rows != n || logitGradient.RowSize != c)
            throw new ArgumentException($"The {Kind} head's logit gradient must be [{n}, {c}] like the last forward output, got {logitGradient}.", nameof(logitGradient));
        double s = _forwardScale;
        float sf = (float)s;
        bool modifies = _marginInForward && ModifiesNonTargets;
        cosineGradient.Reshape(n, TensorShape.Vector(c));
        var labels = batch.Labels;
        for (int i = 0; i < n; i++)
        {
            var g = logitGradient.Row(i);
            var d = cosineGradient.Row(i);
            int y = labels[i];
            float gy = y >= 0 ? g[y] : 0; // read before d (possibly the same buffer as g) is written
            if (modifies)
            {
                TensorPrimitives.Multiply(g, _nonTargetDerivative.Row(i), d);
                TensorPrimitives.Multiply(d, sf, d);
            }
            else
            {
                TensorPrimitives.Multiply(g, sf, d);
            }
            normGradient[i] = 0;
            if (y < 0) continue;
            if (StraightThrough)
            {
                d[y] = sf * gy;
            }
            else
            {
                d[y] = (float)(s * gy * _targetDerivative[i]);
                normGradient[i] = s * gy * _targetNormDerivative[i];
            }
        }
        if (_marginInForward && CountsAuxiliaryGradient) AddAuxiliaryNormGradient(normGradient[..n]);
    }
}

/// <summary>
/// One batch as a <see cref="MarginFunction"/> sees it. Buffers are owned by the head and reused; only the first
/// <see cref="Rows"/> entries are meaningful.
/// </summary>
internal sealed class MarginBatch
{
    /// <summary>Rows N.</summary>
    public int Rows { get; set; }

    /// <summary>Columns S (classes in this batch's head: all, a sample, or a rank's shard).</summary>
    public int Columns { get; set; }

    /// <summary>Clamped cos θ [N, S] (max over sub-centres).</summary>
    public Tensor Cosines { get; } = new(0, TensorShape.Vector(1));

    /// <summary>Each row's label as a column index, or −1 when its class is not among the columns.</summary>
    public int[] Labels { get; set; } = [];

    /// <summary>Each row's clamped target cosine cos θ_{y_i}, wherever its column lives.</summary>
    public double[] TargetCosines { get; set; } = [];

    /// <summary>‖x_i‖ before normalisation.</summary>
    public float[] FeatureNorms { get; set; } = [];

    /// <summary>Makes every per-row buffer hold at least <paramref name="rows"/> entries.</summary>
    public void EnsureRows(int rows)
    {
        if (Labels.Length >= rows) return;
        Labels = new int[rows];
        TargetCosines = new double[rows];
        FeatureNorms = new float[rows];
    }
}

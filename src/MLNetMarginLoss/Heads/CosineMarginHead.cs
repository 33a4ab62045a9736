using System.Numerics.Tensors;
using MLNetMarginLoss.Engine;
using Tensor = MLNetMarginLoss.Engine.Tensor;

namespace MLNetMarginLoss.Heads;

/// <summary>
/// The shared machinery of the cosine heads. Parameter <c>weight</c> is [C·K, E] (K centres per class, row
/// j·K + k is centre k of class j). Forward: x̂ = x / max(‖x‖, 1e-12), ŵ = w / max(‖w‖, 1e-12),
/// cos = x̂·Ŵᵀ through <see cref="ComputeContext.Gemm"/>, cos θ_j = max over class j's K centres, clamped to
/// [−1 + ε, 1 − ε] (ε = <see cref="CosineEpsilon"/>, 10⁻⁶ unless a head says otherwise) so that every arc-cosine,
/// square root and derivative downstream stays finite (|∂cos(θ+m)/∂cos θ| ≤ 1 + sin m/√(2ε)). The subclass maps
/// the target cosine to its margin value φ(cos θ_y) and may re-map non-targets; logits = s·(those values).
/// <para>
/// Backward is the exact derivative of that forward pass: through the subclass's mapping (with adaptive
/// quantities such as AdaCos's s or CurricularFace's t held constant), the clamp (zero gradient where it cut),
/// the sub-centre max (gradient to the arg-max centre only; ties go to the lowest centre index), both
/// normalisations and the GEMM; it returns ∂loss/∂x and writes ∂loss/∂weight. With
/// <see cref="StraightThrough"/>, the target's derivative is replaced by that of s·cos θ_y.
/// </para>
/// <para>Predict(x) = s·cos θ (max over sub-centres): no labels, no margin.</para>
/// All buffers are owned and reused: nothing is allocated once the largest batch has been seen.
/// </summary>
internal abstract class CosineMarginHead : MarginHead
{
    /// <summary>The norm below which a vector is divided by this floor instead of its norm (as <c>F.normalize</c>).</summary>
    protected const float NormFloor = 1e-12f;

    private bool _marginInForward = true;

    private readonly float[] _wHat;
    private readonly float[] _wNorm;

    // Training pass caches.
    private readonly Tensor _xHat = new(0, TensorShape.Vector(1));
    private float[] _xNorm = [];
    private readonly Tensor _cosK = new(0, TensorShape.Vector(1));
    private readonly Tensor _cos = new(0, TensorShape.Vector(1));
    private int[] _argmax = [];
    private readonly Tensor _logits = new(0, TensorShape.Vector(1));
    private readonly Tensor _nonTargetDerivative = new(0, TensorShape.Vector(1));
    private double[] _targetDerivative = [];
    private double[] _targetNormDerivative = [];
    private int[] _labels = [];
    private int _rows = -1;
    private double _forwardScale;

    // Backward buffers.
    private readonly Tensor _dCos = new(0, TensorShape.Vector(1));
    private readonly Tensor _dCosK = new(0, TensorShape.Vector(1));
    private readonly Tensor _inputGradient = new(0, TensorShape.Vector(1));
    private double[] _dNorm = [];

    // Inference buffers (separate, so Predict between Forward and Backward does not disturb training).
    private readonly Tensor _predictXHat = new(0, TensorShape.Vector(1));
    private float[] _predictNorm = [];
    private readonly Tensor _predictCosK = new(0, TensorShape.Vector(1));
    private readonly Tensor _predict = new(0, TensorShape.Vector(1));

    /// <summary>Creates the head and initialises <see cref="Weight"/> Xavier-uniformly from seed 0.</summary>
    /// <param name="embeddingSize">Embedding dimension E ≥ 1.</param>
    /// <param name="classCount">Number of classes C ≥ 2.</param>
    /// <param name="subCenters">Centres per class K ≥ 1.</param>
    /// <param name="scale">Logit scale s &gt; 0 (AdaCos: the initial scale).</param>
    /// <param name="straightThrough">Back-propagate the target as s·cos θ_y (see <see cref="StraightThrough"/>).</param>
    protected CosineMarginHead(int embeddingSize, int classCount, int subCenters, double scale, bool straightThrough)
        : base(embeddingSize, classCount)
    {
        if (subCenters < 1)
            throw new ArgumentOutOfRangeException(nameof(subCenters), subCenters, $"A cosine head needs at least 1 centre per class (SubCenters ≥ 1), got {subCenters}.");
        if (!double.IsFinite(scale) || scale <= 0)
            throw new ArgumentOutOfRangeException(nameof(scale), scale, $"A cosine head needs a positive finite scale s, got {scale}.");
        SubCenters = subCenters;
        InitialScale = scale;
        StraightThrough = straightThrough;
        Weight = new Parameter("weight", checked(classCount * subCenters), embeddingSize);
        _wHat = new float[Weight.Length];
        _wNorm = new float[classCount * subCenters];
        XavierUniform(Weight, new SeededRandom(0));
    }

    /// <summary>Class centres, [C·K, E]; row j·K + k is centre k of class j.</summary>
    public Parameter Weight { get; }

    /// <summary>Centres per class K.</summary>
    public int SubCenters { get; }

    /// <summary>The scale the head was created with (for AdaCos, the value <see cref="Scale"/> starts from).</summary>
    protected double InitialScale { get; }

    /// <summary>The logit scale s currently in use.</summary>
    public virtual double Scale => InitialScale;

    /// <summary>
    /// When true, the target's derivative is that of s·cos θ_y (margin in the value, not in the gradient; no
    /// gradient through margins that depend on the feature norm). Not the exact gradient, but bounded.
    /// </summary>
    public bool StraightThrough { get; }

    /// <summary>ε of the cosine clamp [−1 + ε, 1 − ε].</summary>
    protected virtual double CosineEpsilon => 1e-6;

    /// <summary>The clamp's bounds exactly as the float kernels use them (for the ONNX export).</summary>
    internal (float Low, float High) CosineClamp => ((float)(-1 + CosineEpsilon), (float)(1 - CosineEpsilon));

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> Parameters => [Weight];

    /// <summary>
    /// Rows of the current <see cref="Forward"/> batch (valid inside the hooks and until the next forward pass).
    /// </summary>
    protected int Rows => Math.Max(_rows, 0);

    /// <summary>‖x_i‖ of the current forward batch (before normalisation).</summary>
    protected ReadOnlySpan<float> FeatureNorms => _xNorm.AsSpan(0, Rows);

    /// <summary>Clamped cos θ [N, C] of the current forward batch (max over sub-centres).</summary>
    protected Tensor Cosines => _cos;

    /// <summary>Labels of the current forward batch.</summary>
    protected ReadOnlySpan<int> Labels => _labels.AsSpan(0, Rows);

    /// <summary>
    /// Called in <see cref="Forward"/> once <see cref="Cosines"/>, <see cref="FeatureNorms"/> and
    /// <see cref="Labels"/> are ready and before any logit is computed: adaptive heads update their state here
    /// (only when <paramref name="training"/>) and per-batch quantities (sampled margins, λ) are fixed.
    /// </summary>
    protected virtual void OnForward(bool training) { }

    /// <summary>
    /// The target's value φ(cos θ_y) in cosine units (the logit is s·φ), with ∂φ/∂cos θ_y and ∂φ/∂‖x‖
    /// (non-zero only when the margin depends on the feature norm with a gradient, as in MagFace).
    /// </summary>
    protected abstract double TargetValue(int row, double cosine, out double dCosine, out double dNorm);

    /// <summary>True when the head re-maps non-target cosines (then <see cref="NonTargetValue"/> is called for each).</summary>
    protected virtual bool ModifiesNonTargets => false;

    /// <summary>
    /// The value of a non-target cosine in cosine units and its derivative; called for a row after
    /// <see cref="TargetValue"/> of the same row. The default is the identity.
    /// </summary>
    protected virtual double NonTargetValue(int row, double cosine, out double dCosine)
    {
        dCosine = 1;
        return cosine;
    }

    /// <summary>
    /// Lets a head add ∂(auxiliary loss)/∂‖x_i‖ to <paramref name="normGradient"/> in <see cref="Backward"/>
    /// (MagFace's regulariser). The default adds nothing.
    /// </summary>
    protected virtual void AddAuxiliaryNormGradient(Span<double> normGradient) { }

    /// <summary>Resets adaptive state and internal randomness in <see cref="Initialize"/>; the default does nothing.</summary>
    protected virtual void ResetState(SeededRandom random) { }

    /// <summary>Xavier-uniform class centres, then <see cref="ResetState"/>.</summary>
    public override void Initialize(SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        XavierUniform(Weight, random);
        ResetState(random);
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor embeddings, ReadOnlySpan<int> labels, bool training)
    {
        ValidateEmbeddings(embeddings);
        int n = embeddings.Rows, c = ClassCount;
        ValidateLabels(labels, n);
        EnsureRows(n);
        labels.CopyTo(_labels);
        ComputeCosines(embeddings, _xHat, _xNorm, _cosK, _cos, _argmax);
        _rows = n;

        bool margin = MarginEnabled;
        _marginInForward = margin;
        if (margin) OnForward(training);

        double s = Scale;
        _forwardScale = s;
        float sf = (float)s;
        _logits.Reshape(n, TensorShape.Vector(c));
        bool modifies = margin && ModifiesNonTargets;
        if (modifies) _nonTargetDerivative.Reshape(n, TensorShape.Vector(c));
        for (int i = 0; i < n; i++)
        {
            var cos = _cos.Row(i);
            var logits = _logits.Row(i);
            int y = _labels[i];
            double dCos = 1, dNorm = 0;
            double phi = margin ? TargetValue(i, cos[y], out dCos, out dNorm) : cos[y];
            _targetDerivative[i] = dCos;
            _targetNormDerivative[i] = dNorm;
            if (modifies)
            {
                var nd = _nonTargetDerivative.Row(i);
                for (int j = 0; j < c; j++)
                {
                    if (j == y) { nd[j] = 0; continue; }
                    double v = NonTargetValue(i, cos[j], out double d);
                    logits[j] = (float)(s * v);
                    nd[j] = (float)d;
                }
            }
            else
            {
                TensorPrimitives.Multiply(cos, sf, logits);
            }
            logits[y] = (float)(s * phi);
        }
        return _logits;
    }

    /// <inheritdoc />
    public override Tensor Backward(Tensor logitGradient)
    {
        ArgumentNullException.ThrowIfNull(logitGradient);
        if (_rows < 0) throw new InvalidOperationException($"The {Kind} head's Backward was called before Forward.");
        int n = _rows, c = ClassCount, k = SubCenters, e = EmbeddingSize, ck = c * k;
        if (logitGradient.Rows != n || logitGradient.RowSize != c)
            throw new ArgumentException(
                $"The {Kind} head's logit gradient must be [{n}, {c}] like the last forward output, got {logitGradient}.", nameof(logitGradient));

        double s = _forwardScale;
        float sf = (float)s;
        float lo = (float)(-1 + CosineEpsilon), hi = (float)(1 - CosineEpsilon);
        bool modifies = _marginInForward && ModifiesNonTargets;
        _dCos.Reshape(n, TensorShape.Vector(c));
        for (int i = 0; i < n; i++)
        {
            var g = logitGradient.Row(i);
            var d = _dCos.Row(i);
            int y = _labels[i];
            if (modifies)
            {
                var nd = _nonTargetDerivative.Row(i);
                TensorPrimitives.Multiply(g, nd, d);
                TensorPrimitives.Multiply(d, sf, d);
            }
            else
            {
                TensorPrimitives.Multiply(g, sf, d);
            }
            if (StraightThrough)
            {
                d[y] = sf * g[y];
                _dNorm[i] = 0;
            }
            else
            {
                d[y] = (float)(s * g[y] * _targetDerivative[i]);
                _dNorm[i] = s * g[y] * _targetNormDerivative[i];
            }
            // The clamp passes the gradient only where it did not cut.
            var raw = _cosK.Row(i);
            for (int j = 0; j < c; j++)
            {
                float r = k == 1 ? raw[j] : raw[j * k + _argmax[i * c + j]];
                if (!(r >= lo && r <= hi)) d[j] = 0;
            }
        }
        if (_marginInForward) AddAuxiliaryNormGradient(_dNorm.AsSpan(0, n));

        Tensor dCosK = _dCos;
        if (k > 1)
        {
            _dCosK.Reshape(n, TensorShape.Vector(ck));
            _dCosK.Clear();
            for (int i = 0; i < n; i++)
            {
                var src = _dCos.Row(i);
                var dst = _dCosK.Row(i);
                for (int j = 0; j < c; j++) dst[j * k + _argmax[i * c + j]] = src[j];
            }
            dCosK = _dCosK;
        }

        _inputGradient.Reshape(n, TensorShape.Vector(e));
        if (n == 0)
        {
            Weight.Gradient.AsSpan().Clear();
            return _inputGradient;
        }
        // ∂L/∂x̂ [n, E] = ∂L/∂cos [n, CK] · Ŵ [CK, E];  ∂L/∂Ŵ [CK, E] = ∂L/∂cosᵀ · X̂ [n, E].
        Context.Gemm.Sgemm(false, false, n, e, ck, 1f, dCosK.Span, ck, _wHat, e, 0f, _inputGradient.Span, e);
        Context.Gemm.Sgemm(true, false, ck, e, n, 1f, dCosK.Span, ck, _xHat.Span, e, 0f, Weight.Gradient, e);

        var wGrad = Weight.Gradient.AsSpan();
        for (int r = 0; r < ck; r++)
            NormalizeBackward(wGrad.Slice(r * e, e), _wHat.AsSpan(r * e, e), _wNorm[r], 0);
        var xGrad = _inputGradient.Span;
        var xHat = _xHat.Span;
        for (int i = 0; i < n; i++)
            NormalizeBackward(xGrad.Slice(i * e, e), xHat.Slice(i * e, e), _xNorm[i], (float)_dNorm[i]);
        return _inputGradient;
    }

    /// <summary>Inference logits s·cos θ [N, C] (max over sub-centres, clamped like training): no labels, no margin.</summary>
    public override Tensor Predict(Tensor embeddings)
    {
        ValidateEmbeddings(embeddings);
        int n = embeddings.Rows;
        if (_predictNorm.Length < n) _predictNorm = new float[n];
        ComputeCosines(embeddings, _predictXHat, _predictNorm, _predictCosK, _predict, null);
        TensorPrimitives.Multiply(_predict.Span, (float)Scale, _predict.Span);
        return _predict;
    }

    /// <summary>
    /// The clamped cosines [N, C] between the rows of <paramref name="embeddings"/> and every centre [N, C·K]
    /// (unclamped, raw), for utilities such as outlier detection. Uses the inference buffers.
    /// </summary>
    protected (Tensor ClassCosines, Tensor CentreCosines) CosinesForInference(Tensor embeddings)
    {
        ValidateEmbeddings(embeddings);
        int n = embeddings.Rows;
        if (_predictNorm.Length < n) _predictNorm = new float[n];
        ComputeCosines(embeddings, _predictXHat, _predictNorm, _predictCosK, _predict, null);
        return (_predict, _predictCosK);
    }

    private void EnsureRows(int n)
    {
        if (_labels.Length < n)
        {
            _labels = new int[n];
            _xNorm = new float[n];
            _targetDerivative = new double[n];
            _targetNormDerivative = new double[n];
            _dNorm = new double[n];
        }
        if (SubCenters > 1 && _argmax.Length < n * ClassCount) _argmax = new int[checked(n * ClassCount)];
    }

    private void ComputeCosines(Tensor x, Tensor xHat, float[] xNorm, Tensor cosK, Tensor cos, int[]? argmax)
    {
        int n = x.Rows, e = EmbeddingSize, c = ClassCount, k = SubCenters, ck = c * k;
        xHat.Reshape(n, TensorShape.Vector(e));
        NormalizeRows(x.Span, xHat.Span, xNorm, n, e);
        NormalizeRows(Weight.Value, _wHat, _wNorm, ck, e);
        cosK.Reshape(n, TensorShape.Vector(ck));
        cos.Reshape(n, TensorShape.Vector(c));
        if (n == 0) return;
        Context.Gemm.Sgemm(false, true, n, ck, e, 1f, xHat.Span, e, _wHat, e, 0f, cosK.Span, ck);
        float lo = (float)(-1 + CosineEpsilon), hi = (float)(1 - CosineEpsilon);
        if (k == 1)
        {
            TensorPrimitives.Max(cosK.Span, lo, cos.Span);
            TensorPrimitives.Min(cos.Span, hi, cos.Span);
            return;
        }
        for (int i = 0; i < n; i++)
        {
            var raw = cosK.Row(i);
            var dst = cos.Row(i);
            for (int j = 0; j < c; j++)
            {
                var centres = raw.Slice(j * k, k);
                int best = 0;
                float bestValue = centres[0];
                for (int q = 1; q < k; q++)
                {
                    if (centres[q] > bestValue) { bestValue = centres[q]; best = q; }
                }
                if (argmax is not null) argmax[i * c + j] = best;
                dst[j] = Math.Clamp(bestValue, lo, hi);
            }
        }
    }

    private static void NormalizeRows(ReadOnlySpan<float> source, Span<float> destination, Span<float> norms, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            var v = source.Slice(r * cols, cols);
            float norm = TensorPrimitives.Norm(v);
            norms[r] = norm;
            TensorPrimitives.Multiply(v, 1f / Math.Max(norm, NormFloor), destination.Slice(r * cols, cols));
        }
    }

    /// <summary>
    /// Turns ∂L/∂v̂ into ∂L/∂v in place for v̂ = v / max(‖v‖, floor): (g − v̂(v̂·g)) / ‖v‖, plus
    /// <paramref name="normGradient"/>·v̂ for a loss that also depends on ‖v‖ directly.
    /// </summary>
    private static void NormalizeBackward(Span<float> gradient, ReadOnlySpan<float> unit, float norm, float normGradient)
    {
        if (norm > NormFloor)
        {
            float dot = TensorPrimitives.Dot(unit, gradient);
            TensorPrimitives.MultiplyAdd(unit, -dot, gradient, gradient);
            TensorPrimitives.Multiply(gradient, 1f / norm, gradient);
            if (normGradient != 0) TensorPrimitives.MultiplyAdd(unit, normGradient, gradient, gradient);
        }
        else
        {
            TensorPrimitives.Multiply(gradient, 1f / NormFloor, gradient);
        }
    }
}

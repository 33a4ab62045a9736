using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Heads;
using TorchSharp;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;
using TorchParameter = TorchSharp.Modules.Parameter;

namespace MLNetMarginLoss.TorchBackend.Modules;

/// <summary>What a cosine head's hooks see of the current batch.</summary>
/// <param name="Labels">int64 [N].</param>
/// <param name="Cosines">Clamped cos θ [N, C] (max over sub-centres), float, with gradient.</param>
/// <param name="Norms">‖x_i‖ [N], float, with gradient.</param>
/// <param name="Rows">N.</param>
/// <param name="Training">Whether adaptive state may change.</param>
internal sealed record CosineBatch(Tensor Labels, Tensor Cosines, Tensor Norms, long Rows, bool Training);

/// <summary>
/// The shared forward pass of the cosine heads, as the engine's <see cref="CosineMarginHead"/> composes it: the class
/// centres (x̂ = x / max(‖x‖, 1e-12), ŵ = w / max(‖w‖, 1e-12), cos = x̂·Ŵᵀ against every centre or, with Partial FC, the
/// given centre rows; the max over each class's K centres, clamped to [−1 + ε, 1 − ε]), then the margin function: when
/// the margin is on, the subclass updates its adaptive state (no gradient), maps the target cosine to φ(cos θ_y) in
/// double precision (as the engine does) and may re-map non-targets; logits = s·(those values), with the target logit
/// computed as s·φ in double and rounded to float. Straight-through heads keep φ's value but take the gradient of
/// cos θ_y. Backward is autograd's.
/// <para>
/// The centres are the <c>weight</c> parameter [C·K, E], but no TorchSharp optimizer owns them: each training forward
/// pass makes <see cref="ActiveCentres"/> — the weight itself, or a leaf copy of the sampled rows — whose gradient the
/// session's <see cref="Training.TorchRowOptimizer"/> applies to those rows only, as the engine's row optimizer does.
/// </para>
/// </summary>
internal abstract class TorchCosineHead : TorchHead
{
    private readonly TorchParameter _weight;
    private readonly float _low, _high;
    private readonly PartialFcSampler? _engineSampler;
    private Tensor? _active, _lastCos;

    protected TorchCosineHead(CosineMarginHead head, Device device) : base(head.Kind, head, device)
    {
        SubCenters = head.SubCenters;
        FixedScale = head.Scale;
        StraightThrough = head.StraightThrough;
        (_low, _high) = head.CosineClamp;
        _engineSampler = head.Sampler;
        _weight = AddParameter("weight", [ClassCount * SubCenters, EmbeddingSize]);
    }

    /// <summary>Centres per class K.</summary>
    public int SubCenters { get; }

    /// <summary>The class centres [C·K, E].</summary>
    public TorchParameter Weight => _weight;

    /// <summary>
    /// The centres of the last training forward pass, whose <c>grad</c> holds their gradient after backward: the weight
    /// itself (every class) or a leaf copy of the sampled rows [S·K, E].
    /// </summary>
    public Tensor ActiveCentres => _active ?? throw new InvalidOperationException("No training forward pass yet.");

    /// <summary>The scale s of heads whose scale does not adapt.</summary>
    protected double FixedScale { get; }

    /// <summary>Back-propagate the target as s·cos θ_y.</summary>
    public bool StraightThrough { get; }

    /// <summary>The adaptive scale buffer (AdaCos), or null for a fixed s.</summary>
    protected virtual Tensor? ScaleBuffer => null;

    /// <summary>True when <see cref="NonTargets"/> re-maps non-target cosines.</summary>
    protected virtual bool ModifiesNonTargets => false;

    /// <summary>Updates adaptive state from the batch before any logit (only called with the margin on).</summary>
    protected virtual void OnForward(CosineBatch batch) { }

    /// <summary>φ(cos θ_y) for every row, from the target cosines in double [N] (with gradient).</summary>
    protected abstract Tensor Target(Tensor cosine, CosineBatch batch);

    /// <summary>Non-target values [N, S] (float) when <see cref="ModifiesNonTargets"/>; the target column is overwritten.</summary>
    protected virtual Tensor NonTargets(Tensor cosines, CosineBatch batch) => cosines;

    /// <summary>MagFace's regulariser, or null.</summary>
    protected virtual Tensor? Auxiliary(CosineBatch batch) => null;

    /// <summary>Seeds the margin's randomness, then the Partial FC sampler's, in the engine head's order.</summary>
    public override void SeedRandomness(SeededRandom random)
    {
        SeedMargin(random);
        _engineSampler?.Seed(random.Fork());
    }

    /// <summary>Seeds the margin's own randomness (ElasticFace); the default does nothing.</summary>
    protected virtual void SeedMargin(SeededRandom random) { }

    /// <inheritdoc />
    protected override IEnumerable<string> EngineNames(MarginHead head) => base.EngineNames(head).Prepend("weight");

    /// <summary>Copies the engine head's centres, parameters and buffers here.</summary>
    public override void LoadFrom(MarginHead head)
    {
        base.LoadFrom(head);
        var centres = ((CosineMarginHead)head).Centers.Weight;
        using var _ = no_grad();
        foreach (var (first, count, page) in centres.Pages)
        {
            using var scope = NewDisposeScope();
            _weight.narrow(0, first, count).copy_(tensor(page, [count, EmbeddingSize], ScalarType.Float32));
        }
    }

    /// <summary>Copies the centres, parameters and buffers from here into the engine head.</summary>
    public override void CopyTo(MarginHead head)
    {
        base.CopyTo(head);
        var centres = ((CosineMarginHead)head).Centers.Weight;
        foreach (var (first, count, page) in centres.Pages)
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            _weight.narrow(0, first, count).detach().cpu().contiguous().data<float>().CopyTo(page, 0, 0);
        }
    }

    /// <summary>Clamped cos θ [N, S] against <paramref name="centres"/> [S·K, E], and the feature norms [N].</summary>
    private (Tensor Cosines, Tensor Norms) Cosines(Tensor x, Tensor centres, long columns)
    {
        using var scope = NewDisposeScope();
        var norms = x.norm(1, false, 2f);
        var xHat = x / norms.clamp_min(CosineMarginHeadFloor).unsqueeze(1);
        var wHat = centres / centres.norm(1, false, 2f).clamp_min(CosineMarginHeadFloor).unsqueeze(1);
        var cosK = xHat.matmul(wHat.t());
        var cos = SubCenters == 1 ? cosK : cosK.view(x.shape[0], columns, SubCenters).max(2).values;
        return (cos.clamp(_low, _high).MoveToOuterDisposeScope(), norms.MoveToOuterDisposeScope());
    }

    private const float CosineMarginHeadFloor = 1e-12f;

    public override Tensor Forward(Tensor embeddings, Tensor labels, bool training, Tensor? centreRows = null)
    {
        AuxiliaryLoss = null;
        using var scope = NewDisposeScope();
        Tensor centres;
        long columns = ClassCount;
        if (centreRows is null)
        {
            centres = _weight;
        }
        else
        {
            using (no_grad()) centres = _weight.index_select(0, centreRows).requires_grad_(true);
            columns = centreRows.shape[0] / SubCenters;
        }
        if (training)
        {
            if (!ReferenceEquals(_active, _weight)) _active?.Dispose();
            _active = ReferenceEquals(centres, _weight) ? _weight : centres.DetachFromDisposeScope();
        }
        var (cos, norms) = Cosines(embeddings, centres, columns);
        _lastCos?.Dispose();
        _lastCos = cos.detach().DetachFromDisposeScope();
        var batch = new CosineBatch(labels, cos, norms, embeddings.shape[0], training);
        bool margin = MarginEnabled;
        if (margin)
        {
            using var _ = no_grad();
            OnForward(batch);
        }
        var index = labels.unsqueeze(1);
        var cy = cos.gather(1, index).squeeze(1).to(ScalarType.Float64);
        var phi = margin ? Target(cy, batch) : cy;
        if (StraightThrough) phi = cy + (phi - cy).detach();
        var scaleBuffer = ScaleBuffer;
        var target = (scaleBuffer is null ? phi * FixedScale : phi * scaleBuffer.to(ScalarType.Float64)).to(ScalarType.Float32);
        var rest = margin && ModifiesNonTargets ? NonTargets(cos, batch) : cos;
        var logits = (scaleBuffer is null ? rest * (float)FixedScale : rest * scaleBuffer).scatter(1, index, target.unsqueeze(1));
        if (margin && Auxiliary(batch) is { } aux) AuxiliaryLoss = aux.MoveToOuterDisposeScope();
        return logits.MoveToOuterDisposeScope();
    }

    public override Tensor LogitsWithoutMargin()
    {
        var cos = _lastCos ?? throw new InvalidOperationException("No forward pass yet.");
        var scaleBuffer = ScaleBuffer;
        return scaleBuffer is null ? cos * (float)FixedScale : cos * scaleBuffer;
    }

    public override Tensor Predict(Tensor embeddings)
    {
        using var scope = NewDisposeScope();
        var (cos, _) = Cosines(embeddings, _weight, ClassCount);
        var scaleBuffer = ScaleBuffer;
        return (scaleBuffer is null ? cos * (float)FixedScale : cos * scaleBuffer).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            if (!ReferenceEquals(_active, _weight)) _active?.Dispose();
            _lastCos?.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>
    /// cos(θ + m) of c = cos θ with insightface's fallback c − m·sin m where θ + m &gt; π (c ≤ −cos m); with easy
    /// margin cos(θ + m) where c &gt; 0 and c elsewhere.
    /// </summary>
    protected static Tensor AngularMargin(Tensor c, double margin, bool easy)
    {
        double cm = Math.Cos(margin), sm = Math.Sin(margin);
        var arc = c * cm - (1 - c * c).clamp_min(0).sqrt() * sm;
        return easy ? where(c.gt(0), arc, c) : where(c.gt(-cm), arc, c - margin * sm);
    }

    /// <summary><see cref="AngularMargin(Tensor, double, bool)"/> with a margin per row ([N], double).</summary>
    protected static Tensor AngularMargin(Tensor c, Tensor margin)
    {
        var cm = margin.cos();
        var sm = margin.sin();
        var arc = c * cm - (1 - c * c).clamp_min(0).sqrt() * sm;
        return where(c.gt(-cm), arc, c - margin * sm);
    }
}

/// <summary>Normalised softmax: φ = cos θ_y.</summary>
internal sealed class PlainCosineHead(CosineMarginHead head, Device device) : TorchCosineHead(head, device)
{
    protected override Tensor Target(Tensor cosine, CosineBatch batch) => cosine;
}

/// <summary>CosFace: φ = cos θ_y − m.</summary>
internal sealed class CosFaceTorchHead(CosineMarginHead head, CosFaceMargin margin, Device device) : TorchCosineHead(head, device)
{
    protected override Tensor Target(Tensor cosine, CosineBatch batch) => cosine - margin.Margin;
}

/// <summary>ArcFace and sub-centre ArcFace: φ = cos(θ_y + m) with the fallback (or easy margin).</summary>
internal sealed class ArcFaceTorchHead(CosineMarginHead head, ArcFaceMargin margin, Device device) : TorchCosineHead(head, device)
{
    protected override Tensor Target(Tensor cosine, CosineBatch batch) => AngularMargin(cosine, margin.Margin, margin.EasyMargin);
}

/// <summary>Combined margin: φ = cos(m1·θ_y + m2) − m3, continued as c − (1 + cos θ*) − m3 beyond θ* = (π − m2)/m1.</summary>
internal sealed class CombinedTorchHead : TorchCosineHead
{
    private readonly double _m1, _m2, _m3, _fallbackCosine;

    public CombinedTorchHead(CosineMarginHead head, CombinedMargin margin, Device device) : base(head, device)
    {
        (_m1, _m2, _m3) = (margin.M1, margin.M2, margin.M3);
        double thetaStar = (Math.PI - _m2) / _m1;
        _fallbackCosine = thetaStar < Math.PI ? Math.Cos(thetaStar) : double.NegativeInfinity;
    }

    protected override Tensor Target(Tensor cosine, CosineBatch batch)
    {
        var arc = (cosine.acos() * _m1 + _m2).cos() - _m3;
        if (double.IsNegativeInfinity(_fallbackCosine)) return arc;
        return where(cosine.gt(_fallbackCosine), arc, cosine - (1 + _fallbackCosine) - _m3);
    }
}

/// <summary>
/// SphereFace: φ = (λ·cos θ_y + ψ(θ_y)) / (1 + λ), ψ = (−1)^k·T_m(cos θ) − 2k, k = ⌊mθ/π⌋, with λ annealed by the
/// head's own count of training forward passes (the <c>iteration</c> buffer; the count is also kept on the host,
/// so λ needs no read from the device).
/// </summary>
internal sealed class SphereFaceTorchHead : TorchCosineHead
{
    private readonly SphereFaceMargin _engine;
    private readonly Tensor _iterationBuffer;
    private long _iteration;
    private double _lambda;

    public SphereFaceTorchHead(CosineMarginHead head, SphereFaceMargin margin, Device device) : base(head, device)
    {
        _engine = margin;
        _iterationBuffer = AddBuffer("iteration", [1]);
    }

    /// <summary>Training iterations counted so far.</summary>
    public long Iteration => _iteration;

    protected override void OnForward(CosineBatch batch)
    {
        _lambda = _engine.LambdaAt(_iteration);
        if (!batch.Training) return;
        _iteration++;
        _iterationBuffer.fill_(_iteration);
    }

    protected override Tensor Target(Tensor cosine, CosineBatch batch)
    {
        int m = _engine.Margin;
        Tensor t0 = ones_like(cosine), t1 = cosine, tm = cosine;
        for (int q = 2; q <= m; q++)
        {
            var t2 = 2 * cosine * t1 - t0;
            t0 = t1;
            t1 = t2;
            tm = t2;
        }
        var k = (cosine.detach().acos() * m / Math.PI).floor().clamp(0, m - 1);
        var sign = 1 - 2 * k.remainder(2);
        var psi = sign * tm - 2 * k;
        return (cosine * _lambda + psi) / (1 + _lambda);
    }

    public override void LoadFrom(MarginHead head)
    {
        base.LoadFrom(head);
        _iteration = ((SphereFaceMargin)((CosineMarginHead)head).Margin).Iteration;
        _lambda = _engine.LambdaAt(_iteration);
    }
}

/// <summary>
/// AdaCos: φ = cos θ_y with the scale adapted before each training batch's logits:
/// s ← ln(B_avg) / cos(min(π/4, θ_med)), kept when that is not a positive finite number.
/// </summary>
internal sealed class AdaCosTorchHead : TorchCosineHead
{
    private readonly Tensor _scale;

    public AdaCosTorchHead(CosineMarginHead head, Device device) : base(head, device) => _scale = AddBuffer("scale", [1]);

    protected override Tensor? ScaleBuffer => _scale;

    protected override void OnForward(CosineBatch batch)
    {
        if (!batch.Training || batch.Rows == 0) return;
        using var scope = NewDisposeScope();
        var s = _scale.to(ScalarType.Float64);
        var cos = batch.Cosines.detach().to(ScalarType.Float64);
        var index = batch.Labels.unsqueeze(1);
        var exp = (cos * s).exp();
        long columns = cos.shape[1];
        // As the engine's AdaCosMargin: (C − 1) × the mean over the batch's non-target entries (all of them without Partial FC).
        var bAvg = (exp.sum() - exp.gather(1, index).sum()) / (batch.Rows * (columns - 1)) * (ClassCount - 1);
        var median = cos.gather(1, index).acos().median();
        var next = bAvg.log() / median.clamp_max(Math.PI / 4).cos();
        var keep = next.isfinite().logical_and(next.gt(0));
        _scale.copy_(where(keep, next, s).to(ScalarType.Float32).reshape(1));
    }

    protected override Tensor Target(Tensor cosine, CosineBatch batch) => cosine;
}

/// <summary>
/// CurricularFace: ArcFace target; non-targets with cos θ_j &gt; cos(θ_y + m) become cos θ_j·(t + cos θ_j), with
/// t ← momentum·mean(cos θ_y) + (1 − momentum)·t before the logits (the <c>t</c> buffer, constant in backward).
/// </summary>
internal sealed class CurricularTorchHead : TorchCosineHead
{
    private readonly CurricularFaceMargin _engine;
    private readonly Tensor _t;
    private Tensor? _threshold;

    public CurricularTorchHead(CosineMarginHead head, CurricularFaceMargin margin, Device device) : base(head, device)
    {
        _engine = margin;
        _t = AddBuffer("t", [1]);
    }

    protected override bool ModifiesNonTargets => true;

    protected override void OnForward(CosineBatch batch)
    {
        if (!batch.Training || batch.Rows == 0) return;
        using var scope = NewDisposeScope();
        var cy = batch.Cosines.detach().gather(1, batch.Labels.unsqueeze(1)).to(ScalarType.Float64);
        _t.copy_((cy.mean() * _engine.Momentum + _t.to(ScalarType.Float64) * (1 - _engine.Momentum)).to(ScalarType.Float32).reshape(1));
    }

    protected override Tensor Target(Tensor cosine, CosineBatch batch)
    {
        var c = cosine.detach();
        _threshold = (c * Math.Cos(_engine.Margin) - (1 - c * c).clamp_min(0).sqrt() * Math.Sin(_engine.Margin)).unsqueeze(1);
        return AngularMargin(cosine, _engine.Margin, easy: false);
    }

    protected override Tensor NonTargets(Tensor cosines, CosineBatch batch)
    {
        var hard = cosines.detach().to(ScalarType.Float64).gt(_threshold!);
        return where(hard, cosines * (_t + cosines), cosines);
    }
}

/// <summary>
/// MagFace: ArcFace with m(a) = l_m + (u_m − l_m)(a − l_a)/(u_a − l_a), a = clamp(‖x‖, l_a, u_a), the gradient
/// flowing through m(a) into ‖x‖; regulariser λ_g·mean(1/a + a/u_a²) as the auxiliary loss.
/// </summary>
internal sealed class MagFaceTorchHead(CosineMarginHead head, MagFaceMargin magFace, Device device) : TorchCosineHead(head, device)
{
    private Tensor Magnitude(CosineBatch batch) => batch.Norms.to(ScalarType.Float64).clamp(magFace.LowerNorm, magFace.UpperNorm);

    protected override Tensor Target(Tensor cosine, CosineBatch batch)
    {
        var margin = (Magnitude(batch) - magFace.LowerNorm) * ((magFace.UpperMargin - magFace.LowerMargin) / (magFace.UpperNorm - magFace.LowerNorm)) + magFace.LowerMargin;
        var phi = AngularMargin(cosine, margin);
        return magFace.EasyMargin ? where(cosine.gt(0), phi, cosine) : phi;
    }

    protected override Tensor? Auxiliary(CosineBatch batch)
    {
        var a = Magnitude(batch);
        return ((a.reciprocal() + a / (magFace.UpperNorm * magFace.UpperNorm)).mean() * magFace.RegularizerWeight).to(ScalarType.Float32);
    }
}

/// <summary>
/// AdaFace: ẑ = clip(h·(‖x‖ − μ)/(σ + 0.001), −1, 1) from the clipped, gradient-free norms and the EMA statistics
/// (the <c>batch_mean</c> and <c>batch_std</c> buffers, updated first in training); φ = cos(clip(θ_y − m·ẑ, 0.001,
/// π − 0.001)) − (m + m·ẑ).
/// </summary>
internal sealed class AdaFaceTorchHead : TorchCosineHead
{
    private const double Eps = 1e-3;
    private readonly AdaFaceMargin _engine;
    private readonly Tensor _mean, _std;

    public AdaFaceTorchHead(CosineMarginHead head, AdaFaceMargin margin, Device device) : base(head, device)
    {
        _engine = margin;
        _mean = AddBuffer("batch_mean", [1]);
        _std = AddBuffer("batch_std", [1]);
    }

    private static Tensor SafeNorms(CosineBatch batch) => batch.Norms.detach().to(ScalarType.Float64).clamp(0.001, 100);

    protected override void OnForward(CosineBatch batch)
    {
        if (!batch.Training || batch.Rows == 0) return;
        using var scope = NewDisposeScope();
        var safe = SafeNorms(batch);
        double a = _engine.Momentum;
        _mean.copy_((safe.mean() * a + _mean.to(ScalarType.Float64) * (1 - a)).to(ScalarType.Float32).reshape(1));
        if (batch.Rows > 1)
            _std.copy_((safe.std(true) * a + _std.to(ScalarType.Float64) * (1 - a)).to(ScalarType.Float32).reshape(1));
    }

    protected override Tensor Target(Tensor cosine, CosineBatch batch)
    {
        var z = ((SafeNorms(batch) - _mean.to(ScalarType.Float64)) * _engine.Concentration / (_std.to(ScalarType.Float64) + Eps)).clamp(-1, 1);
        var clipped = (cosine.acos() - z * _engine.Margin).clamp(Eps, Math.PI - Eps);
        return clipped.cos() - (z * _engine.Margin + _engine.Margin);
    }
}

/// <summary>
/// ElasticFace: per-row margins m_i ~ N(m, σ) clipped at 0, drawn in training from the engine's seeded generator on
/// the host (the same draws as the engine for the same seed) and uploaded with the batch; m_i = m otherwise.
/// Arc form φ = cos(θ_y + m_i) with ArcFace's fallback; cosine form φ = cos θ_y − m_i.
/// </summary>
internal sealed class ElasticTorchHead(CosineMarginHead engineHead, ElasticFaceMargin head, Device device) : TorchCosineHead(engineHead, device)
{
    private SeededRandom _random = new(0x5EED);
    private Tensor? _margins;

    protected override void SeedMargin(SeededRandom random) => _random = random.Fork();

    protected override void OnForward(CosineBatch batch)
    {
        var margins = new double[batch.Rows];
        double upper = head.UseCosine ? 1 - 1e-9 : Math.PI / 2 - 1e-9;
        for (int i = 0; i < margins.Length; i++)
            margins[i] = batch.Training ? Math.Clamp(head.Margin + head.MarginStd * _random.NextGaussian(), 0, upper) : head.Margin;
        _margins = DeviceUpload.Doubles(margins, Device);
    }

    protected override Tensor Target(Tensor cosine, CosineBatch batch)
    {
        var m = _margins ?? throw new InvalidOperationException("ElasticFace margins were not drawn.");
        return head.UseCosine ? cosine - m : AngularMargin(cosine, m);
    }
}

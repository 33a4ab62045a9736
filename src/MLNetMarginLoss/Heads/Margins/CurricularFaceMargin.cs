using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Heads;

/// <summary>
/// CurricularFace: the target is ArcFace's s·cos(θ_y + m) with the fallback s·(cos θ_y − m·sin m) beyond
/// θ_y + m &gt; π; a non-target is "hard" when cos θ_j &gt; cos(θ_y + m) (the un-fallen-back value, as the
/// reference code) and then becomes s·cos θ_j·(t + cos θ_j), else s·cos θ_j. In each training forward pass,
/// before the logits, t ← momentum·mean_i(cos θ_{y_i}) + (1 − momentum)·t (momentum 0.01), so easy samples
/// dominate early (t ≈ 0) and hard ones later (t → 1). t is the <c>t</c> buffer (starts at 0, saved with the
/// model), a constant in backward: ∂/∂cos θ_j of a hard non-target is t + 2·cos θ_j. Each row's threshold comes from
/// its target cosine wherever that column lives (another rank's shard included).
/// Defaults: m = 0.5 rad (range [0, π/2)), s = <see cref="HeadDefaults.DefaultScale"/>.
/// </summary>
internal sealed class CurricularFaceMargin : MarginFunction
{
    private readonly Parameter _t = new("t", 1);
    private double[] _thresholds = [];
    private double _batchT;

    /// <summary>Creates the margin; scale, margin, momentum and straight-through apply.</summary>
    public CurricularFaceMargin(int classCount, HeadOptions? options)
        : base("curricular", classCount, HeadArguments.Scale("curricular", options?.Scale, classCount), options?.StraightThrough ?? false)
    {
        Margin = HeadArguments.InRange(Kind, "margin", options?.Margin ?? HeadDefaults.ArcFaceMargin, 0, Math.PI / 2, hint: "(radians)");
        Momentum = HeadArguments.InRange(Kind, "momentum", options?.Momentum ?? HeadDefaults.Momentum, 1e-12, 1, hiInclusive: true);
    }

    /// <summary>The angular margin m in radians.</summary>
    public double Margin { get; }

    /// <summary>EMA momentum of t.</summary>
    public double Momentum { get; }

    /// <summary>The current t (the <c>t</c> buffer).</summary>
    public double T => _t.Value[0];

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> Buffers => [_t];

    /// <inheritdoc />
    protected override bool ModifiesNonTargets => true;

    /// <inheritdoc />
    public override void ResetState(SeededRandom random) => _t.Value[0] = 0;

    /// <inheritdoc />
    protected override void OnForward(bool training, ReadOnlySpan<double> totals)
    {
        int n = Rows;
        if (_thresholds.Length < n) _thresholds = new double[n];
        if (training && n > 0)
        {
            double sum = 0;
            foreach (var c in TargetCosines) sum += c;
            _t.Value[0] = (float)(Momentum * (sum / n) + (1 - Momentum) * _t.Value[0]);
        }
        _batchT = _t.Value[0];
    }

    /// <inheritdoc />
    protected override double TargetValue(int row, double cosine, out double dCosine, out double dNorm)
    {
        dNorm = 0;
        double sin = Math.Sqrt(Math.Max(0, 1 - cosine * cosine));
        _thresholds[row] = cosine * Math.Cos(Margin) - sin * Math.Sin(Margin);
        return AdditiveAngularMargin.Apply(cosine, Margin, false, out dCosine, out _);
    }

    /// <inheritdoc />
    protected override double NonTargetValue(int row, double cosine, out double dCosine)
    {
        if (cosine > _thresholds[row])
        {
            dCosine = _batchT + 2 * cosine;
            return cosine * (_batchT + cosine);
        }
        dCosine = 1;
        return cosine;
    }

    /// <inheritdoc />
    public override HeadOptions GetOptions() => new()
    {
        Scale = InitialScale, Margin = Margin, Momentum = Momentum, StraightThrough = StraightThrough,
    };
}

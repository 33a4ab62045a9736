namespace MLNetMarginLoss.Heads;

/// <summary>
/// MagFace (magnitude-aware margin): with a = clamp(‖x‖, l_a, u_a), the margin grows linearly with the
/// feature magnitude, m(a) = l_m + (u_m − l_m)·(a − l_a)/(u_a − l_a), and the target logit is ArcFace's
/// s·cos(θ_y + m(a)) with the fallback s·(cos θ_y − m(a)·sin m(a)) beyond θ_y + m(a) &gt; π; non-targets
/// s·cos θ_j. With <see cref="EasyMargin"/> (the official MagFace code's default) the margin applies only where
/// cos θ_y &gt; 0 and the target is s·cos θ_y elsewhere. The gradient flows through m(a) into ‖x‖ (zero where the clamp
/// cuts, and where easy margin leaves the target unmargined), as in the reference code.
/// The regulariser g(a) = 1/a + a/u_a² (minimal at a = u_a, rewarding confident samples with larger norms) is
/// reported as <see cref="AuxiliaryLoss"/> = λ_g·mean_i g(a_i), to be added to the mean cross-entropy; its
/// gradient is included in the head's backward pass.
/// Defaults (paper): l_a = 10, u_a = 110, l_m = 0.45, u_m = 0.8, λ_g = 35, s = <see cref="HeadDefaults.DefaultScale"/>,
/// no easy margin (the paper's formulation; the official code turns it on).
/// Note that l_a, u_a are in the units of the encoder's raw output; below l_a the margin is l_m and the
/// regulariser gives no gradient, so set them to the norms your encoder produces.
/// </summary>
internal sealed class MagFaceMargin : MarginFunction
{
    private double _auxiliaryLoss;

    /// <summary>Creates the margin; scale, the magnitude range and margins, λ_g, easy margin and straight-through apply.</summary>
    public MagFaceMargin(int classCount, HeadOptions? options)
        : base("magface", classCount, HeadArguments.Scale("magface", options?.Scale, classCount), options?.StraightThrough ?? false)
    {
        LowerNorm = HeadArguments.Above(Kind, "lower norm l_a", options?.LowerNorm ?? HeadDefaults.MagFaceLowerNorm, 0);
        UpperNorm = HeadArguments.Above(Kind, "upper norm u_a", options?.UpperNorm ?? HeadDefaults.MagFaceUpperNorm, LowerNorm);
        LowerMargin = HeadArguments.InRange(Kind, "lower margin l_m", options?.LowerMargin ?? HeadDefaults.MagFaceLowerMargin, 0, Math.PI / 2, hint: "(radians)");
        UpperMargin = HeadArguments.InRange(Kind, "upper margin u_m", options?.UpperMargin ?? HeadDefaults.MagFaceUpperMargin, LowerMargin, Math.PI / 2, hint: "(radians, at least l_m)");
        RegularizerWeight = HeadArguments.InRange(Kind, "regulariser weight λ_g", options?.RegularizerWeight ?? HeadDefaults.MagFaceRegularizerWeight, 0, double.MaxValue, true);
        EasyMargin = options?.EasyMargin ?? false;
    }

    /// <summary>Lower feature magnitude l_a.</summary>
    public double LowerNorm { get; }

    /// <summary>Upper feature magnitude u_a.</summary>
    public double UpperNorm { get; }

    /// <summary>Margin at l_a.</summary>
    public double LowerMargin { get; }

    /// <summary>Margin at u_a.</summary>
    public double UpperMargin { get; }

    /// <summary>λ_g, the weight of the magnitude regulariser.</summary>
    public double RegularizerWeight { get; }

    /// <summary>Apply the margin only where cos θ_y &gt; 0 (the official MagFace code's <c>easy_margin</c>).</summary>
    public bool EasyMargin { get; }

    /// <summary>λ_g·mean_i g(a_i) of the last forward pass.</summary>
    public override double AuxiliaryLoss => _auxiliaryLoss;

    /// <summary>m(a) for a feature magnitude (clamped to [l_a, u_a]).</summary>
    public double MarginFor(double norm)
    {
        double a = Math.Clamp(norm, LowerNorm, UpperNorm);
        return LowerMargin + (UpperMargin - LowerMargin) * (a - LowerNorm) / (UpperNorm - LowerNorm);
    }

    private bool InsideClamp(double norm) => norm > LowerNorm && norm < UpperNorm;

    /// <inheritdoc />
    protected override void OnForward(bool training, ReadOnlySpan<double> totals)
    {
        int n = Rows;
        double sum = 0;
        var norms = FeatureNorms;
        for (int i = 0; i < n; i++)
        {
            double a = Math.Clamp(norms[i], LowerNorm, UpperNorm);
            sum += 1 / a + a / (UpperNorm * UpperNorm);
        }
        _auxiliaryLoss = n == 0 ? 0 : RegularizerWeight * sum / n;
    }

    /// <inheritdoc />
    protected override double TargetValue(int row, double cosine, out double dCosine, out double dNorm)
    {
        double norm = FeatureNorms[row];
        double margin = MarginFor(norm);
        double phi = AdditiveAngularMargin.Apply(cosine, margin, EasyMargin, out dCosine, out double dMargin);
        dNorm = InsideClamp(norm) ? dMargin * (UpperMargin - LowerMargin) / (UpperNorm - LowerNorm) : 0;
        return phi;
    }

    /// <inheritdoc />
    protected override void AddAuxiliaryNormGradient(Span<double> normGradient)
    {
        int n = normGradient.Length;
        if (n == 0 || RegularizerWeight == 0) return;
        var norms = FeatureNorms;
        double w = RegularizerWeight / n, inverseU2 = 1 / (UpperNorm * UpperNorm);
        for (int i = 0; i < n; i++)
        {
            double a = norms[i];
            if (InsideClamp(a)) normGradient[i] += w * (inverseU2 - 1 / (a * a));
        }
    }

    /// <inheritdoc />
    public override HeadOptions GetOptions() => new()
    {
        Scale = InitialScale, LowerNorm = LowerNorm, UpperNorm = UpperNorm, LowerMargin = LowerMargin, UpperMargin = UpperMargin,
        RegularizerWeight = RegularizerWeight, EasyMargin = EasyMargin, StraightThrough = StraightThrough,
    };
}

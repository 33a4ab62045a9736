namespace MLNetMarginLoss;

/// <summary>
/// Hyper-parameters of a margin head, all optional: a null value (false for the switches) means "the head's default"
/// (see <see cref="HeadDefaults"/>). Setting an option the chosen head does not use is an error (the message names the
/// heads that use it), never silently ignored. A trained model records the resolved values its head was built with.
/// </summary>
public sealed class HeadOptions
{
    /// <summary>Logit scale s of the cosine heads (must be &gt; 0). Default <see cref="HeadDefaults.DefaultScale"/>; for AdaCos, the initial scale.</summary>
    public double? Scale { get; set; }

    /// <summary>
    /// The head's margin m: CosFace (cosine margin, [0, 1)), ArcFace / sub-centre / CurricularFace / ElasticFace
    /// (angular margin in radians, [0, π/2)), SphereFace (integer multiplicative margin, 1–10), AdaFace ([0, 1)).
    /// </summary>
    public double? Margin { get; set; }

    /// <summary>Combined margin m1, multiplicative angular margin, in [1, 10]. Default 1.</summary>
    public double? M1 { get; set; }

    /// <summary>Combined margin m2, additive angular margin in radians, in [0, π/2). Default 0.3.</summary>
    public double? M2 { get; set; }

    /// <summary>Combined margin m3, additive cosine margin, in [0, 1). Default 0.2.</summary>
    public double? M3 { get; set; }

    /// <summary>Centres per class K ≥ 1 of the cosine heads (cos θ_j = max over the class's centres). Default 1, sub-centre ArcFace 3.</summary>
    public int? SubCenters { get; set; }

    /// <summary>ArcFace, sub-centre ArcFace and MagFace: apply the margin only where cos θ_y &gt; 0 (insightface's and MagFace's <c>easy_margin</c>). Default false.</summary>
    public bool EasyMargin { get; set; }

    /// <summary>
    /// Margin heads: apply the margin to the target's value but back-propagate as if the target logit were s·cos θ_y
    /// (no gradient through the arc-cosine, as current insightface does). Cheaper and bounded, but not the exact gradient.
    /// </summary>
    public bool StraightThrough { get; set; }

    /// <summary>SphereFace λ annealing base (default 1000).</summary>
    public double? LambdaBase { get; set; }

    /// <summary>SphereFace λ annealing γ (default 0.12).</summary>
    public double? LambdaGamma { get; set; }

    /// <summary>SphereFace λ annealing power (default 1).</summary>
    public double? LambdaPower { get; set; }

    /// <summary>SphereFace λ floor (default 5).</summary>
    public double? LambdaMin { get; set; }

    /// <summary>EMA momentum of CurricularFace's t and AdaFace's norm statistics, in (0, 1] (default 0.01).</summary>
    public double? Momentum { get; set; }

    /// <summary>MagFace lower magnitude l_a &gt; 0 (default 10).</summary>
    public double? LowerNorm { get; set; }

    /// <summary>MagFace upper magnitude u_a &gt; l_a (default 110).</summary>
    public double? UpperNorm { get; set; }

    /// <summary>MagFace margin at l_a, in [0, π/2) (default 0.45).</summary>
    public double? LowerMargin { get; set; }

    /// <summary>MagFace margin at u_a, in [l_m, π/2) (default 0.8).</summary>
    public double? UpperMargin { get; set; }

    /// <summary>MagFace regulariser weight λ_g ≥ 0 (default 35).</summary>
    public double? RegularizerWeight { get; set; }

    /// <summary>AdaFace concentration h &gt; 0 (default 0.333).</summary>
    public double? NormConcentration { get; set; }

    /// <summary>ElasticFace margin standard deviation σ ≥ 0 (default 0.05).</summary>
    public double? MarginStd { get; set; }

    /// <summary>ElasticFace: use the cosine form s(cos θ − m_i) (ElasticFace-Cos) instead of the arc form.</summary>
    public bool ElasticCosine { get; set; }

    /// <summary>Sub-centre ArcFace: the outlier angle in degrees, in (0, 180] (default 75).</summary>
    public double? DropThresholdDegrees { get; set; }

    /// <summary>A member-wise copy.</summary>
    public HeadOptions Clone() => (HeadOptions)MemberwiseClone();

    /// <summary>The names of the options that are set (not null, or true for the switches).</summary>
    public IEnumerable<string> Options()
    {
        if (Scale is not null) yield return nameof(Scale);
        if (Margin is not null) yield return nameof(Margin);
        if (M1 is not null) yield return nameof(M1);
        if (M2 is not null) yield return nameof(M2);
        if (M3 is not null) yield return nameof(M3);
        if (SubCenters is not null) yield return nameof(SubCenters);
        if (EasyMargin) yield return nameof(EasyMargin);
        if (StraightThrough) yield return nameof(StraightThrough);
        if (LambdaBase is not null) yield return nameof(LambdaBase);
        if (LambdaGamma is not null) yield return nameof(LambdaGamma);
        if (LambdaPower is not null) yield return nameof(LambdaPower);
        if (LambdaMin is not null) yield return nameof(LambdaMin);
        if (Momentum is not null) yield return nameof(Momentum);
        if (LowerNorm is not null) yield return nameof(LowerNorm);
        if (UpperNorm is not null) yield return nameof(UpperNorm);
        if (LowerMargin is not null) yield return nameof(LowerMargin);
        if (UpperMargin is not null) yield return nameof(UpperMargin);
        if (RegularizerWeight is not null) yield return nameof(RegularizerWeight);
        if (NormConcentration is not null) yield return nameof(NormConcentration);
        if (MarginStd is not null) yield return nameof(MarginStd);
        if (ElasticCosine) yield return nameof(ElasticCosine);
        if (DropThresholdDegrees is not null) yield return nameof(DropThresholdDegrees);
    }
}

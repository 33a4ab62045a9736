namespace MLNetMarginLoss.Heads;

/// <summary>
/// ArcFace (additive angular margin): target logit s·cos(θ_y + m); where θ_y + m &gt; π the target becomes
/// s·(cos θ_y − m·sin m), insightface's monotonic fallback (its th = cos(π − m), mm = sin(π − m)·m);
/// with <see cref="EasyMargin"/> the margin applies only where cos θ_y &gt; 0. Non-targets: s·cos θ_j.
/// Backward is exact (∂cos(θ+m)/∂cos θ = cos m + sin m·cos θ / sin θ, bounded by the cosine clamp), or
/// straight-through with <see cref="HeadOptions.StraightThrough"/>.
/// Defaults: m = 0.5 rad (valid range [0, π/2)), s = <see cref="HeadDefaults.DefaultScale"/>, K = 1, no easy margin.
/// </summary>
internal class ArcFaceHead : CosineMarginHead
{
    /// <summary>Creates the head; scale, margin, sub-centres, easy margin and straight-through apply.</summary>
    public ArcFaceHead(int embeddingSize, int classCount, HeadOptions? options = null)
        : this("arcface", embeddingSize, classCount, options, 1)
    {
    }

    /// <summary>For heads built on ArcFace (sub-centre ArcFace): <paramref name="kind"/> names them in messages.</summary>
    protected ArcFaceHead(string kind, int embeddingSize, int classCount, HeadOptions? options, int defaultSubCenters)
        : base(embeddingSize, classCount,
            HeadArguments.SubCenters(kind, options?.SubCenters, defaultSubCenters),
            HeadArguments.Scale(kind, options?.Scale, classCount), options?.StraightThrough ?? false)
    {
        Margin = HeadArguments.InRange(kind, "margin", options?.Margin ?? HeadDefaults.ArcFaceMargin, 0, Math.PI / 2, hint: "(radians)");
        EasyMargin = options?.EasyMargin ?? false;
    }

    /// <inheritdoc />
    public override string Kind => "arcface";

    /// <summary>The angular margin m in radians.</summary>
    public double Margin { get; }

    /// <summary>Apply the margin only where cos θ_y &gt; 0.</summary>
    public bool EasyMargin { get; }

    /// <inheritdoc />
    protected override double TargetValue(int row, double cosine, out double dCosine, out double dNorm)
    {
        dNorm = 0;
        return AdditiveAngularMargin.Apply(cosine, Margin, EasyMargin, out dCosine, out _);
    }

    /// <inheritdoc />
    public override HeadOptions GetOptions() => new()
    {
        Scale = InitialScale, Margin = Margin, SubCenters = SubCenters, EasyMargin = EasyMargin, StraightThrough = StraightThrough,
    };
}

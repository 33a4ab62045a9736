namespace MLNetMarginLoss.Heads;

/// <summary>
/// ArcFace (additive angular margin): target logit s·cos(θ_y + m); where θ_y + m &gt; π the target becomes
/// s·(cos θ_y − m·sin m), insightface's monotonic fallback (its th = cos(π − m), mm = sin(π − m)·m);
/// with <see cref="EasyMargin"/> the margin applies only where cos θ_y &gt; 0. Non-targets: s·cos θ_j.
/// Backward is exact (∂cos(θ+m)/∂cos θ = cos m + sin m·cos θ / sin θ, bounded by the cosine clamp), or
/// straight-through with <see cref="HeadOptions.StraightThrough"/>.
/// The same margin serves sub-centre ArcFace ("subcenter": K centres per class in <see cref="ClassCenters"/>, plus the
/// outlier angle <see cref="DropThresholdDegrees"/> of its noisy-sample cleaning).
/// Defaults: m = 0.5 rad (valid range [0, π/2)), s = <see cref="HeadDefaults.DefaultScale"/>, no easy margin;
/// sub-centre: drop threshold 75°.
/// </summary>
internal sealed class ArcFaceMargin : MarginFunction
{
    /// <summary>Creates the margin for "arcface" or "subcenter"; scale, margin, easy margin, straight-through (and the drop threshold for "subcenter") apply.</summary>
    public ArcFaceMargin(string kind, int classCount, HeadOptions? options)
        : base(kind, classCount, HeadArguments.Scale(kind, options?.Scale, classCount), options?.StraightThrough ?? false)
    {
        Margin = HeadArguments.InRange(kind, "margin", options?.Margin ?? HeadDefaults.ArcFaceMargin, 0, Math.PI / 2, hint: "(radians)");
        EasyMargin = options?.EasyMargin ?? false;
        if (kind == "subcenter")
            DropThresholdDegrees = HeadArguments.InRange(kind, "drop threshold (degrees)",
                options?.DropThresholdDegrees ?? HeadDefaults.DropThresholdDegrees, 1e-9, 180, hiInclusive: true);
    }

    /// <summary>The angular margin m in radians.</summary>
    public double Margin { get; }

    /// <summary>Apply the margin only where cos θ_y &gt; 0.</summary>
    public bool EasyMargin { get; }

    /// <summary>Sub-centre ArcFace: the angle (degrees) beyond which a sample is an outlier of its class's dominant centre; null for ArcFace.</summary>
    public double? DropThresholdDegrees { get; }

    /// <inheritdoc />
    protected override double TargetValue(int row, double cosine, out double dCosine, out double dNorm)
    {
        dNorm = 0;
        return AdditiveAngularMargin.Apply(cosine, Margin, EasyMargin, out dCosine, out _);
    }

    /// <inheritdoc />
    public override HeadOptions GetOptions() => new()
    {
        Scale = InitialScale, Margin = Margin, EasyMargin = EasyMargin, StraightThrough = StraightThrough, DropThresholdDegrees = DropThresholdDegrees,
    };
}

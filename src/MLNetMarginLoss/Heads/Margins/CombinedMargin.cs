namespace MLNetMarginLoss.Heads;

/// <summary>
/// The combined margin of insightface (SphereFace, ArcFace and CosFace in one): target logit
/// s·(cos(m1·θ_y + m2) − m3), non-targets s·cos θ_j, for every combination of m1, m2, m3 (the reference code
/// handles only the (1, m2, 0) and (1, 0, m3) cases). Where m1·θ + m2 would pass π, i.e. beyond
/// θ* = (π − m2)/m1, the target continues as cos θ − (1 + cos θ*) − m3: continuous at θ* (value −1 − m3) and
/// still decreasing in θ, so a worse angle never earns a better logit. (For m1 = 1, m3 = 0 this fallback is
/// the continuous version of ArcFace's, which jumps down by m·sin m − (1 − cos m) instead.)
/// ∂/∂cos θ = m1·sin(m1·θ + m2)/sin θ on the arc branch, 1 on the fallback.
/// Defaults: (m1, m2, m3) = (1, 0.3, 0.2); ranges m1 ∈ [1, 10], m2 ∈ [0, π/2), m3 ∈ [0, 1);
/// <see cref="HeadOptions.Margin"/> stands for m2 when <see cref="HeadOptions.M2"/> is not given.
/// s = <see cref="HeadDefaults.DefaultScale"/>.
/// </summary>
internal sealed class CombinedMargin : MarginFunction
{
    private readonly double _fallbackCosine;   // cos θ*, or −∞ when m1·π + m2 ≤ π (never falls back)

    /// <summary>Creates the margin; scale, m1/m2/m3 (or margin as m2) and straight-through apply.</summary>
    public CombinedMargin(int classCount, HeadOptions? options)
        : base("combined", classCount, HeadArguments.Scale("combined", options?.Scale, classCount), options?.StraightThrough ?? false)
    {
        if (options is { M2: not null, Margin: not null } && options.M2 != options.Margin)
            throw new ArgumentException($"The combined head got both M2 = {options.M2} and Margin = {options.Margin}; Margin stands for m2, so set only one of them.", nameof(options));
        M1 = HeadArguments.InRange(Kind, "m1", options?.M1 ?? HeadDefaults.CombinedM1, 1, 10, hiInclusive: true);
        M2 = HeadArguments.InRange(Kind, "m2", options?.M2 ?? options?.Margin ?? HeadDefaults.CombinedM2, 0, Math.PI / 2, hint: "(radians)");
        M3 = HeadArguments.InRange(Kind, "m3", options?.M3 ?? HeadDefaults.CombinedM3, 0, 1);
        double thetaStar = (Math.PI - M2) / M1;
        _fallbackCosine = thetaStar < Math.PI ? Math.Cos(thetaStar) : double.NegativeInfinity;
    }

    /// <summary>Multiplicative angular margin m1.</summary>
    public double M1 { get; }

    /// <summary>Additive angular margin m2 (radians).</summary>
    public double M2 { get; }

    /// <summary>Additive cosine margin m3.</summary>
    public double M3 { get; }

    /// <inheritdoc />
    protected override double TargetValue(int row, double cosine, out double dCosine, out double dNorm)
    {
        dNorm = 0;
        if (cosine > _fallbackCosine)
        {
            double theta = Math.Acos(cosine);
            double sin = Math.Sqrt(Math.Max(0, 1 - cosine * cosine));
            double angle = M1 * theta + M2;
            dCosine = sin > 0 ? M1 * Math.Sin(angle) / sin : M1 * M1;
            return Math.Cos(angle) - M3;
        }
        dCosine = 1;
        return cosine - (1 + _fallbackCosine) - M3;
    }

    /// <inheritdoc />
    public override HeadOptions GetOptions() => new()
    {
        Scale = InitialScale, M1 = M1, M2 = M2, M3 = M3, StraightThrough = StraightThrough,
    };
}

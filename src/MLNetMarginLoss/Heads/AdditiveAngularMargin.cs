namespace MLNetMarginLoss.Heads;

/// <summary>
/// The additive angular margin cos(θ + m) as a function of c = cos θ, with insightface's monotonic fallback:
/// φ(c) = c·cos m − sin θ·sin m while θ + m ≤ π (c &gt; cos(π − m) = −cos m, the "th" test), else
/// φ(c) = c − m·sin m (the "mm" term), which keeps the target logit decreasing in θ.
/// With easy margin, φ(c) = cos(θ + m) where c &gt; 0 and c elsewhere.
/// Derivatives: ∂φ/∂c = cos m + sin m·c / sin θ (unbounded as sin θ → 0, which the caller's clamp of c to
/// [−1 + ε, 1 − ε] bounds), ∂φ/∂m = −sin(θ + m) on the arc branch and −(sin m + m·cos m) on the fallback.
/// </summary>
internal static class AdditiveAngularMargin
{
    /// <summary>φ(c), with ∂φ/∂c and ∂φ/∂m.</summary>
    public static double Apply(double cosine, double margin, bool easyMargin, out double dCosine, out double dMargin)
    {
        double cm = Math.Cos(margin), sm = Math.Sin(margin);
        double sin = Math.Sqrt(Math.Max(0, 1 - cosine * cosine));
        bool arc = easyMargin ? cosine > 0 : cosine > -cm;
        if (arc)
        {
            dCosine = sin > 0 ? cm + sm * cosine / sin : cm;
            dMargin = -(sin * cm + cosine * sm);
            return cosine * cm - sin * sm;
        }
        dCosine = 1;
        if (easyMargin)
        {
            dMargin = 0;
            return cosine;
        }
        dMargin = -(sm + margin * cm);
        return cosine - margin * sm;
    }
}

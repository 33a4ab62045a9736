namespace MLNetMarginLoss;

/// <summary>
/// Default hyper-parameters of the heads, in one place. The margins are the papers' defaults; the scale default
/// (<see cref="DefaultScale"/>) is the smallest s at which a perfectly placed sample can reach softmax confidence
/// <see cref="DefaultScaleConfidence"/>, which suits the few to thousands of classes this library sees better than
/// the face-recognition value s = 64.
/// </summary>
public static class HeadDefaults
{
    /// <summary>
    /// The softmax confidence that the default scale lets a sample reach when it sits on its class centre and the
    /// C class centres are spread as far apart as they can be (a regular simplex, pairwise cos = −1/(C − 1)):
    /// P = 0.999. Lower scales cap the confidence below P whatever the encoder learns (with s = 4 and C = 10 the cap
    /// is 0.90), so the loss cannot approach zero, every sample keeps pulling as hard as a misclassified one and the
    /// margin is never met. Measured on Fashion-MNIST (10 classes, cosine schedule): s = 4 → 8.19 changed the head's
    /// accuracy little (+0.0015 on the README quick start; s = 6, 8 and 10 within 0.002 of each other, so P is not a
    /// tuned point) but raised the share of unseen-class rows that nearest-neighbour recognition rejects from
    /// 30–39 % to 45–55 % (seeds 1–3).
    /// </summary>
    public const double DefaultScaleConfidence = 0.999;

    /// <summary>
    /// The floor of the default scale: 4. For C = 2 the confidence rule gives 3.45; the floor keeps the scale two
    /// classes had before (p = 1/(1 + e^−8) ≈ 0.9997 for a sample on its centre, opposite the other). Pass a scale
    /// explicitly to go lower.
    /// </summary>
    public const double MinimumDefaultScale = 4.0;

    /// <summary>CosFace margin m (the paper's 0.35).</summary>
    public const double CosFaceMargin = 0.35;

    /// <summary>ArcFace, sub-centre ArcFace and CurricularFace additive angular margin m (0.5 rad ≈ 28.6°).</summary>
    public const double ArcFaceMargin = 0.5;

    /// <summary>SphereFace multiplicative margin m (integer, 4 in the paper).</summary>
    public const int SphereFaceMargin = 4;

    /// <summary>SphereFace λ annealing: λ = max(λmin, base·(1 + γ·iteration)^(−power)); base = 1000.</summary>
    public const double SphereFaceLambdaBase = 1000;

    /// <summary>SphereFace λ annealing γ = 0.12.</summary>
    public const double SphereFaceLambdaGamma = 0.12;

    /// <summary>SphereFace λ annealing power = 1.</summary>
    public const double SphereFaceLambdaPower = 1;

    /// <summary>SphereFace λ floor λmin = 5.</summary>
    public const double SphereFaceLambdaMin = 5;

    /// <summary>Combined margin m1 (multiplicative angular) default 1.</summary>
    public const double CombinedM1 = 1.0;

    /// <summary>Combined margin m2 (additive angular) default 0.3.</summary>
    public const double CombinedM2 = 0.3;

    /// <summary>Combined margin m3 (additive cosine) default 0.2.</summary>
    public const double CombinedM3 = 0.2;

    /// <summary>Sub-centres per class for sub-centre ArcFace (K = 3); the other cosine heads use 1.</summary>
    public const int SubCenters = 3;

    /// <summary>Sub-centre ArcFace: samples farther than this angle (degrees) from their class's dominant centre are outliers.</summary>
    public const double DropThresholdDegrees = 75;

    /// <summary>EMA momentum of CurricularFace's t and AdaFace's norm statistics (new = 0.01·batch + 0.99·old).</summary>
    public const double Momentum = 0.01;

    /// <summary>MagFace lower feature magnitude l_a = 10.</summary>
    public const double MagFaceLowerNorm = 10;

    /// <summary>MagFace upper feature magnitude u_a = 110.</summary>
    public const double MagFaceUpperNorm = 110;

    /// <summary>MagFace margin at l_a: 0.45.</summary>
    public const double MagFaceLowerMargin = 0.45;

    /// <summary>MagFace margin at u_a: 0.8.</summary>
    public const double MagFaceUpperMargin = 0.8;

    /// <summary>MagFace regulariser weight λ_g = 35.</summary>
    public const double MagFaceRegularizerWeight = 35;

    /// <summary>AdaFace margin m = 0.4.</summary>
    public const double AdaFaceMargin = 0.4;

    /// <summary>AdaFace concentration h = 0.333 (about 68 % of the norm scalers fall within ±h).</summary>
    public const double AdaFaceConcentration = 0.333;

    /// <summary>ElasticFace-Arc mean margin 0.5 (ElasticFace-Cos uses 0.35).</summary>
    public const double ElasticArcMargin = 0.5;

    /// <summary>ElasticFace-Cos mean margin 0.35.</summary>
    public const double ElasticCosMargin = 0.35;

    /// <summary>ElasticFace margin standard deviation σ = 0.05.</summary>
    public const double ElasticMarginStd = 0.05;

    /// <summary>
    /// The default scale for <paramref name="classCount"/> classes: the smallest s at which a sample on its class
    /// centre, with the centres spread as a regular simplex (cos = −1/(C − 1) to every other class), gets probability
    /// P = <see cref="DefaultScaleConfidence"/>. Its softmax is 1/(1 + (C − 1)·e^(−s·C/(C − 1))), so
    /// s = (C − 1)/C · ln((C − 1)·P/(1 − P)) (the lower bound of Ranjan et al., "L2-constrained softmax loss", 2017),
    /// floored at <see cref="MinimumDefaultScale"/>. E.g. C = 2 → 4, C = 3 → 5.07, C = 10 → 8.19, C = 100 → 11.39,
    /// C = 1000 → 13.80, C = 85,742 → 18.3. It grows like ln C, as the AdaCos fixed scale √2·ln(C − 1) (the previous
    /// default) does, but that one caps the confidence far lower for small C (3.11 for C = 10: p ≤ 0.78).
    /// For AdaCos it is the initial scale.
    /// </summary>
    public static double DefaultScale(int classCount)
    {
        if (classCount < 2)
            throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "A margin head needs at least 2 classes.");
        double others = classCount - 1;
        double bound = others / classCount * Math.Log(others * DefaultScaleConfidence / (1 - DefaultScaleConfidence));
        return Math.Max(bound, MinimumDefaultScale);
    }
}

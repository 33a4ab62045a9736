namespace MLNetMarginLoss;

/// <summary>
/// The margin heads the library provides. Their command-line and model-file names are the lower-case
/// words listed here ("arcface", "cosface", …).
/// </summary>
public enum HeadKind
{
    /// <summary>"softmax": a plain linear layer with bias (the baseline, no normalisation, no margin).</summary>
    Softmax,
    /// <summary>"normsoftmax": s·cos θ for every class (normalised softmax / ArcMarginProduct without margin).</summary>
    NormSoftmax,
    /// <summary>"sphereface": A-Softmax, multiplicative angular margin ψ(θ) blended with cos θ by an annealed λ.</summary>
    SphereFace,
    /// <summary>"cosface": AM-Softmax / large-margin cosine loss, s(cos θ − m) for the target.</summary>
    CosFace,
    /// <summary>"arcface": additive angular margin, s·cos(θ + m) for the target.</summary>
    ArcFace,
    /// <summary>"combined": s(cos(m1·θ + m2) − m3) for the target, any combination of the three margins.</summary>
    Combined,
    /// <summary>"adacos": no margin, the scale s adapted from each training batch.</summary>
    AdaCos,
    /// <summary>"subcenter": sub-centre ArcFace, K centres per class (cos = max over them).</summary>
    SubCenter,
    /// <summary>"curricular": CurricularFace, ArcFace target and adaptively re-weighted hard non-targets.</summary>
    Curricular,
    /// <summary>"magface": ArcFace with a margin that grows with the feature magnitude, plus a magnitude regulariser.</summary>
    MagFace,
    /// <summary>"adaface": margin adapted by the batch-normalised feature norm (an image-quality proxy).</summary>
    AdaFace,
    /// <summary>"elasticface": ArcFace (or CosFace) with a margin drawn from N(m, σ) for every sample.</summary>
    ElasticFace,
}

using MLNetMarginLoss.Heads;
using MLNetMarginLoss.Training;

namespace MLNetMarginLoss;

/// <summary>
/// One entry point per margin head. Each returns the same estimator type, <see cref="ArcFaceTrainer"/>, configured
/// for that head; unset values take the head's documented defaults (an unset scale is √2·ln(C−1), floored).
/// Pass <c>options</c> to set the encoder, optimizer, epochs and the rest; the head fields given here win.
/// </summary>
public sealed class TrainersCatalog
{
    private readonly MarginContext _context;

    internal TrainersCatalog(MarginContext context) => _context = context;

    /// <summary>ArcFace: s·cos(θ_y + m). Defaults s = 64, m = 0.5 in the paper; here s defaults to the AdaCos scale for your class count unless given.</summary>
    public ArcFaceTrainer ArcFace(double? scale = null, double? margin = null, bool easyMargin = false, ArcFaceTrainerOptions? options = null)
        => Create(HeadKind.ArcFace, options, h => { h.Scale = scale ?? h.Scale; h.Margin = margin ?? h.Margin; h.EasyMargin = easyMargin; });

    /// <summary>CosFace (AM-Softmax): s·(cos θ_y − m).</summary>
    public ArcFaceTrainer CosFace(double? scale = null, double? margin = null, ArcFaceTrainerOptions? options = null)
        => Create(HeadKind.CosFace, options, h => { h.Scale = scale ?? h.Scale; h.Margin = margin ?? h.Margin; });

    /// <summary>SphereFace (A-Softmax): ψ(θ_y) with integer m, blended with cos θ by an annealed λ.</summary>
    public ArcFaceTrainer SphereFace(int? margin = null, double? scale = null, ArcFaceTrainerOptions? options = null)
        => Create(HeadKind.SphereFace, options, h => { h.Scale = scale ?? h.Scale; h.Margin = margin ?? h.Margin; });

    /// <summary>Combined margin: s·(cos(m1·θ_y + m2) − m3), any combination.</summary>
    public ArcFaceTrainer CombinedMargin(double m1 = 1.0, double m2 = 0.3, double m3 = 0.2, double? scale = null, ArcFaceTrainerOptions? options = null)
        => Create(HeadKind.Combined, options, h => { h.Scale = scale ?? h.Scale; h.M1 = m1; h.M2 = m2; h.M3 = m3; });

    /// <summary>AdaCos: no margin, the scale adapts to each training batch.</summary>
    public ArcFaceTrainer AdaCos(ArcFaceTrainerOptions? options = null) => Create(HeadKind.AdaCos, options, h => { h.Scale = null; });

    /// <summary>Sub-center ArcFace: K centres per class (default 3).</summary>
    public ArcFaceTrainer SubCenterArcFace(int subCenters = 3, double? scale = null, double? margin = null, ArcFaceTrainerOptions? options = null)
        => Create(HeadKind.SubCenter, options, h => { h.Scale = scale ?? h.Scale; h.Margin = margin ?? h.Margin; h.SubCenters = subCenters; });

    /// <summary>CurricularFace: ArcFace whose hard negatives are re-weighted by an adaptive t.</summary>
    public ArcFaceTrainer CurricularFace(double? scale = null, double? margin = null, ArcFaceTrainerOptions? options = null)
        => Create(HeadKind.Curricular, options, h => { h.Scale = scale ?? h.Scale; h.Margin = margin ?? h.Margin; });

    /// <summary>Normalised softmax: s·cos θ, no margin.</summary>
    public ArcFaceTrainer NormSoftmax(double? scale = null, ArcFaceTrainerOptions? options = null)
        => Create(HeadKind.NormSoftmax, options, h => { h.Scale = scale ?? h.Scale; });

    /// <summary>The plain softmax baseline (linear layer with bias, no normalisation).</summary>
    public ArcFaceTrainer Softmax(ArcFaceTrainerOptions? options = null) => Create(HeadKind.Softmax, options, _ => { });

    /// <summary>MagFace: a margin that grows with the feature magnitude, plus a magnitude regulariser.</summary>
    public ArcFaceTrainer MagFace(double? scale = null, ArcFaceTrainerOptions? options = null)
        => Create(HeadKind.MagFace, options, h => { h.Scale = scale ?? h.Scale; });

    /// <summary>AdaFace: a margin adapted to sample quality through the normalised feature norm.</summary>
    public ArcFaceTrainer AdaFace(double? scale = null, double? margin = null, ArcFaceTrainerOptions? options = null)
        => Create(HeadKind.AdaFace, options, h => { h.Scale = scale ?? h.Scale; h.Margin = margin ?? h.Margin; });

    /// <summary>ElasticFace: ArcFace with a per-sample margin drawn from N(m, σ).</summary>
    public ArcFaceTrainer ElasticFace(double? scale = null, double? margin = null, ArcFaceTrainerOptions? options = null)
        => Create(HeadKind.ElasticFace, options, h => { h.Scale = scale ?? h.Scale; h.Margin = margin ?? h.Margin; });

    private ArcFaceTrainer Create(HeadKind kind, ArcFaceTrainerOptions? options, Action<HeadOptions> configure)
    {
        var o = options ?? new ArcFaceTrainerOptions { Seed = _context.Seed, HeadOptions = new HeadOptions() };
        o.Head = kind;
        var head = options is null ? new HeadOptions() : o.HeadOptions.Clone();
        configure(head);
        o.HeadOptions = head;
        return new ArcFaceTrainer(o);
    }
}

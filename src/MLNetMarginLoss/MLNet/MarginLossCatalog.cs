using MLNetMarginLoss;

namespace Microsoft.ML;

/// <summary>
/// The margin-loss trainers on ML.NET's multiclass catalog: <c>mlContext.MulticlassClassification.Trainers.ArcFace(…)</c>
/// and one pair of methods per head. Each returns an <see cref="ArcFaceTrainer"/> configured for that head; values
/// left null take the head's documented defaults (an unset scale s is <see cref="HeadDefaults.DefaultScale"/>: the
/// smallest s at which a sample on its class centre can reach softmax confidence 0.999, at least 4; 8.19 for 10
/// classes). The simple overloads train with every other option at its <see cref="ArcFaceTrainer.Options"/> default
/// (MLP 512-256-128, Adam 1e-3 with a cosine schedule over maxEpoch, batches of 256, seed 0). The options overloads use
/// every other setting of <see cref="ArcFaceTrainer.Options"/> (encoder, optimizer, schedule, validation set, backend,
/// …) and set the head to the method's. Extension methods live in namespace Microsoft.ML, as ML.NET's own extension
/// packages' do, so <c>using Microsoft.ML;</c> is enough.
/// <para>
/// Seeds: ML.NET does not expose an MLContext's seed through its public API, so the trainer's seed is
/// <see cref="ArcFaceTrainer.Options.Seed"/> (default 0): results are reproducible for a fixed seed and thread count.
/// </para>
/// </summary>
public static class MarginLossCatalog
{
    /// <summary>ArcFace (additive angular margin): target logit s·cos(θ_y + m). Defaults: m = 0.5 rad.</summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="labelColumnName">The key label column. Default "Label".</param>
    /// <param name="featureColumnName">The known-size Single vector feature column. Default "Features".</param>
    /// <param name="scale">Logit scale s; null = <see cref="HeadDefaults.DefaultScale"/> (8.19 for 10 classes).</param>
    /// <param name="margin">Angular margin m in radians, [0, π/2); null = 0.5.</param>
    /// <param name="maxEpoch">Epochs of training. Default 10.</param>
    /// <param name="embeddingSize">Embedding dimension of the encoder. Default 128.</param>
    public static ArcFaceTrainer ArcFace(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", double? scale = null, double? margin = null, int maxEpoch = 10, int embeddingSize = 128)
        => Simple(catalog, HeadKind.ArcFace, labelColumnName, featureColumnName, maxEpoch, embeddingSize, h => { h.Scale = scale; h.Margin = margin; });

    /// <summary>ArcFace with every option given.</summary>
    public static ArcFaceTrainer ArcFace(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, ArcFaceTrainer.Options options)
        => WithHead(catalog, HeadKind.ArcFace, options);

    /// <summary>CosFace (AM-Softmax): target logit s·(cos θ_y − m). Defaults: m = 0.35.</summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="labelColumnName">The key label column. Default "Label".</param>
    /// <param name="featureColumnName">The feature column. Default "Features".</param>
    /// <param name="scale">Logit scale s; null = <see cref="HeadDefaults.DefaultScale"/> (8.19 for 10 classes).</param>
    /// <param name="margin">Cosine margin m in [0, 1); null = 0.35.</param>
    /// <param name="maxEpoch">Epochs of training. Default 10.</param>
    /// <param name="embeddingSize">Embedding dimension. Default 128.</param>
    public static ArcFaceTrainer CosFace(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", double? scale = null, double? margin = null, int maxEpoch = 10, int embeddingSize = 128)
        => Simple(catalog, HeadKind.CosFace, labelColumnName, featureColumnName, maxEpoch, embeddingSize, h => { h.Scale = scale; h.Margin = margin; });

    /// <summary>CosFace with every option given.</summary>
    public static ArcFaceTrainer CosFace(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, ArcFaceTrainer.Options options)
        => WithHead(catalog, HeadKind.CosFace, options);

    /// <summary>SphereFace (A-Softmax): ψ(θ_y) = (−1)^k cos(mθ) − 2k blended with cos θ by an annealed λ. Defaults: m = 4.</summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="labelColumnName">The key label column. Default "Label".</param>
    /// <param name="featureColumnName">The feature column. Default "Features".</param>
    /// <param name="scale">Logit scale s; null = <see cref="HeadDefaults.DefaultScale"/> (8.19 for 10 classes).</param>
    /// <param name="margin">Integer multiplicative margin m in [1, 10]; null = 4.</param>
    /// <param name="maxEpoch">Epochs of training. Default 10.</param>
    /// <param name="embeddingSize">Embedding dimension. Default 128.</param>
    public static ArcFaceTrainer SphereFace(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", double? scale = null, int? margin = null, int maxEpoch = 10, int embeddingSize = 128)
        => Simple(catalog, HeadKind.SphereFace, labelColumnName, featureColumnName, maxEpoch, embeddingSize, h => { h.Scale = scale; h.Margin = margin; });

    /// <summary>SphereFace with every option given.</summary>
    public static ArcFaceTrainer SphereFace(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, ArcFaceTrainer.Options options)
        => WithHead(catalog, HeadKind.SphereFace, options);

    /// <summary>Combined margin (InsightFace): target logit s·(cos(m1·θ_y + m2) − m3). Defaults: (1, 0.3, 0.2).</summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="labelColumnName">The key label column. Default "Label".</param>
    /// <param name="featureColumnName">The feature column. Default "Features".</param>
    /// <param name="m1">Multiplicative angular margin in [1, 10]. Default 1.</param>
    /// <param name="m2">Additive angular margin in radians. Default 0.3.</param>
    /// <param name="m3">Additive cosine margin. Default 0.2.</param>
    /// <param name="scale">Logit scale s; null = <see cref="HeadDefaults.DefaultScale"/> (8.19 for 10 classes).</param>
    /// <param name="maxEpoch">Epochs of training. Default 10.</param>
    /// <param name="embeddingSize">Embedding dimension. Default 128.</param>
    public static ArcFaceTrainer CombinedMargin(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", double m1 = 1.0, double m2 = 0.3, double m3 = 0.2, double? scale = null, int maxEpoch = 10, int embeddingSize = 128)
        => Simple(catalog, HeadKind.Combined, labelColumnName, featureColumnName, maxEpoch, embeddingSize, h => { h.Scale = scale; h.M1 = m1; h.M2 = m2; h.M3 = m3; });

    /// <summary>Combined margin with every option given.</summary>
    public static ArcFaceTrainer CombinedMargin(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, ArcFaceTrainer.Options options)
        => WithHead(catalog, HeadKind.Combined, options);

    /// <summary>AdaCos: no margin; s is re-estimated on every training batch and frozen at inference. Initial s = <see cref="HeadDefaults.DefaultScale"/>.</summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="labelColumnName">The key label column. Default "Label".</param>
    /// <param name="featureColumnName">The feature column. Default "Features".</param>
    /// <param name="maxEpoch">Epochs of training. Default 10.</param>
    /// <param name="embeddingSize">Embedding dimension. Default 128.</param>
    public static ArcFaceTrainer AdaCos(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", int maxEpoch = 10, int embeddingSize = 128)
        => Simple(catalog, HeadKind.AdaCos, labelColumnName, featureColumnName, maxEpoch, embeddingSize, _ => { });

    /// <summary>AdaCos with every option given.</summary>
    public static ArcFaceTrainer AdaCos(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, ArcFaceTrainer.Options options)
        => WithHead(catalog, HeadKind.AdaCos, options);

    /// <summary>Sub-center ArcFace: K centres per class, cos θ_j = max over them, then ArcFace. Defaults: K = 3, m = 0.5.</summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="labelColumnName">The key label column. Default "Label".</param>
    /// <param name="featureColumnName">The feature column. Default "Features".</param>
    /// <param name="subCenters">Centres per class K ≥ 1. Default 3.</param>
    /// <param name="scale">Logit scale s; null = <see cref="HeadDefaults.DefaultScale"/> (8.19 for 10 classes).</param>
    /// <param name="margin">Angular margin in radians; null = 0.5.</param>
    /// <param name="maxEpoch">Epochs of training. Default 10.</param>
    /// <param name="embeddingSize">Embedding dimension. Default 128.</param>
    public static ArcFaceTrainer SubCenterArcFace(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", int subCenters = 3, double? scale = null, double? margin = null, int maxEpoch = 10, int embeddingSize = 128)
        => Simple(catalog, HeadKind.SubCenter, labelColumnName, featureColumnName, maxEpoch, embeddingSize, h => { h.Scale = scale; h.Margin = margin; h.SubCenters = subCenters; });

    /// <summary>Sub-center ArcFace with every option given.</summary>
    public static ArcFaceTrainer SubCenterArcFace(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, ArcFaceTrainer.Options options)
        => WithHead(catalog, HeadKind.SubCenter, options);

    /// <summary>CurricularFace: ArcFace target; hard negatives cos θ_j·(t + cos θ_j) with an adaptive t. Defaults: m = 0.5.</summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="labelColumnName">The key label column. Default "Label".</param>
    /// <param name="featureColumnName">The feature column. Default "Features".</param>
    /// <param name="scale">Logit scale s; null = <see cref="HeadDefaults.DefaultScale"/> (8.19 for 10 classes).</param>
    /// <param name="margin">Angular margin in radians; null = 0.5.</param>
    /// <param name="maxEpoch">Epochs of training. Default 10.</param>
    /// <param name="embeddingSize">Embedding dimension. Default 128.</param>
    public static ArcFaceTrainer CurricularFace(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", double? scale = null, double? margin = null, int maxEpoch = 10, int embeddingSize = 128)
        => Simple(catalog, HeadKind.Curricular, labelColumnName, featureColumnName, maxEpoch, embeddingSize, h => { h.Scale = scale; h.Margin = margin; });

    /// <summary>CurricularFace with every option given.</summary>
    public static ArcFaceTrainer CurricularFace(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, ArcFaceTrainer.Options options)
        => WithHead(catalog, HeadKind.Curricular, options);

    /// <summary>Normalised softmax: s·cos θ for every class, no margin.</summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="labelColumnName">The key label column. Default "Label".</param>
    /// <param name="featureColumnName">The feature column. Default "Features".</param>
    /// <param name="scale">Logit scale s; null = <see cref="HeadDefaults.DefaultScale"/> (8.19 for 10 classes).</param>
    /// <param name="maxEpoch">Epochs of training. Default 10.</param>
    /// <param name="embeddingSize">Embedding dimension. Default 128.</param>
    public static ArcFaceTrainer NormSoftmax(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", double? scale = null, int maxEpoch = 10, int embeddingSize = 128)
        => Simple(catalog, HeadKind.NormSoftmax, labelColumnName, featureColumnName, maxEpoch, embeddingSize, h => { h.Scale = scale; });

    /// <summary>Normalised softmax with every option given.</summary>
    public static ArcFaceTrainer NormSoftmax(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, ArcFaceTrainer.Options options)
        => WithHead(catalog, HeadKind.NormSoftmax, options);

    /// <summary>The plain softmax baseline: a linear layer with bias on the (unnormalised) embedding.</summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="labelColumnName">The key label column. Default "Label".</param>
    /// <param name="featureColumnName">The feature column. Default "Features".</param>
    /// <param name="maxEpoch">Epochs of training. Default 10.</param>
    /// <param name="embeddingSize">Embedding dimension. Default 128.</param>
    public static ArcFaceTrainer Softmax(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", int maxEpoch = 10, int embeddingSize = 128)
        => Simple(catalog, HeadKind.Softmax, labelColumnName, featureColumnName, maxEpoch, embeddingSize, _ => { });

    /// <summary>The plain softmax baseline with every option given.</summary>
    public static ArcFaceTrainer Softmax(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, ArcFaceTrainer.Options options)
        => WithHead(catalog, HeadKind.Softmax, options);

    /// <summary>MagFace: ArcFace with a margin linear in the feature norm on [l_a, u_a], plus λ_g·g(‖x‖). Defaults: 10, 110, 0.45, 0.8, 35.</summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="labelColumnName">The key label column. Default "Label".</param>
    /// <param name="featureColumnName">The feature column. Default "Features".</param>
    /// <param name="scale">Logit scale s; null = <see cref="HeadDefaults.DefaultScale"/> (8.19 for 10 classes).</param>
    /// <param name="maxEpoch">Epochs of training. Default 10.</param>
    /// <param name="embeddingSize">Embedding dimension. Default 128.</param>
    public static ArcFaceTrainer MagFace(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", double? scale = null, int maxEpoch = 10, int embeddingSize = 128)
        => Simple(catalog, HeadKind.MagFace, labelColumnName, featureColumnName, maxEpoch, embeddingSize, h => { h.Scale = scale; });

    /// <summary>MagFace with every option given.</summary>
    public static ArcFaceTrainer MagFace(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, ArcFaceTrainer.Options options)
        => WithHead(catalog, HeadKind.MagFace, options);

    /// <summary>AdaFace: a margin adapted by the batch-normalised feature norm (EMA statistics). Defaults: m = 0.4, h = 0.333.</summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="labelColumnName">The key label column. Default "Label".</param>
    /// <param name="featureColumnName">The feature column. Default "Features".</param>
    /// <param name="scale">Logit scale s; null = <see cref="HeadDefaults.DefaultScale"/> (8.19 for 10 classes).</param>
    /// <param name="margin">Margin m in [0, 1); null = 0.4.</param>
    /// <param name="maxEpoch">Epochs of training. Default 10.</param>
    /// <param name="embeddingSize">Embedding dimension. Default 128.</param>
    public static ArcFaceTrainer AdaFace(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", double? scale = null, double? margin = null, int maxEpoch = 10, int embeddingSize = 128)
        => Simple(catalog, HeadKind.AdaFace, labelColumnName, featureColumnName, maxEpoch, embeddingSize, h => { h.Scale = scale; h.Margin = margin; });

    /// <summary>AdaFace with every option given.</summary>
    public static ArcFaceTrainer AdaFace(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, ArcFaceTrainer.Options options)
        => WithHead(catalog, HeadKind.AdaFace, options);

    /// <summary>ElasticFace: ArcFace with a per-sample margin drawn from N(m, σ). Defaults: m = 0.5, σ = 0.05.</summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="labelColumnName">The key label column. Default "Label".</param>
    /// <param name="featureColumnName">The feature column. Default "Features".</param>
    /// <param name="scale">Logit scale s; null = <see cref="HeadDefaults.DefaultScale"/> (8.19 for 10 classes).</param>
    /// <param name="margin">Mean margin m in radians; null = 0.5.</param>
    /// <param name="maxEpoch">Epochs of training. Default 10.</param>
    /// <param name="embeddingSize">Embedding dimension. Default 128.</param>
    public static ArcFaceTrainer ElasticFace(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", double? scale = null, double? margin = null, int maxEpoch = 10, int embeddingSize = 128)
        => Simple(catalog, HeadKind.ElasticFace, labelColumnName, featureColumnName, maxEpoch, embeddingSize, h => { h.Scale = scale; h.Margin = margin; });

    /// <summary>ElasticFace with every option given.</summary>
    public static ArcFaceTrainer ElasticFace(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, ArcFaceTrainer.Options options)
        => WithHead(catalog, HeadKind.ElasticFace, options);

    private static ArcFaceTrainer Simple(MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, HeadKind head,
        string labelColumnName, string featureColumnName, int maxEpoch, int embeddingSize, Action<HeadOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var headOptions = new HeadOptions();
        configure(headOptions);
        return new ArcFaceTrainer(new ArcFaceTrainer.Options
        {
            Head = head, HeadOptions = headOptions, LabelColumnName = labelColumnName, FeatureColumnName = featureColumnName,
            MaxEpoch = maxEpoch, Encoder = new EncoderSpec { EmbeddingSize = embeddingSize },
        });
    }

    /// <summary>The catalog method of a head.</summary>
    private static string MethodName(HeadKind head) => head switch
    {
        HeadKind.Combined => nameof(CombinedMargin),
        HeadKind.SubCenter => nameof(SubCenterArcFace),
        HeadKind.Curricular => nameof(CurricularFace),
        _ => head.ToString(),
    };

    private static ArcFaceTrainer WithHead(MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, HeadKind head, ArcFaceTrainer.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Head is { } chosen && chosen != head)
            throw new ArgumentException(
                $"Options.Head is {chosen}, but this is the {MethodName(head)} method; call mlContext.MulticlassClassification.Trainers.{MethodName(chosen)}(options) " +
                $"(or new ArcFaceTrainer(options)), or leave Options.Head unset.", nameof(options));
        var copy = options.Clone();
        copy.Head = head;
        return new ArcFaceTrainer(copy);
    }
}

namespace MLNetMarginLoss.Evaluation;

/// <summary>Everything <see cref="ModelEvaluator"/> measured for one model on one labelled dataset.</summary>
public sealed record ModelEvaluationReport
{
    /// <summary>Classifier metrics of the head's scores (ML.NET names).</summary>
    public required MulticlassMetrics Classification { get; init; }

    /// <summary>Per-class precision/recall/F1 of the head's predictions.</summary>
    public required ClassificationReport Report { get; init; }

    /// <summary>k-NN accuracy on the embeddings (against the reference set, or leave-one-out), when requested.</summary>
    public double? KnnAccuracy { get; init; }

    /// <summary>The k used for <see cref="KnnAccuracy"/>.</summary>
    public int? KnnK { get; init; }

    /// <summary>Leave-one-out retrieval metrics of the embeddings, when requested.</summary>
    public RetrievalMetrics? Retrieval { get; init; }

    /// <summary>Verification on generated pairs, when requested.</summary>
    public VerificationMetrics? Verification { get; init; }

    /// <summary>Angles and spectrum of the embeddings.</summary>
    public EmbeddingDiagnostics? Diagnostics { get; init; }

    /// <summary>The metrics as a flat name → value map (the CLI's JSON line).</summary>
    public Dictionary<string, object?> ToDictionary()
    {
        var d = new Dictionary<string, object?>
        {
            ["accuracy"] = Classification.MicroAccuracy,
            ["macroAccuracy"] = Classification.MacroAccuracy,
            ["logLoss"] = Classification.LogLoss,
            ["logLossReduction"] = Classification.LogLossReduction,
        };
        if (Classification.TopKPredictionCount > 0)
        {
            d["topKAccuracy"] = Classification.TopKAccuracy;
            d["topK"] = Classification.TopKPredictionCount;
        }
        if (KnnAccuracy is { } knn) { d["knnAccuracy"] = knn; d["knnK"] = KnnK; }
        if (Retrieval is { } r) { d["precisionAt1"] = r.PrecisionAt1; d["rPrecision"] = r.RPrecision; d["mapAtR"] = r.MapAtR; }
        if (Verification is { } v)
        {
            d["auc"] = v.Auc;
            d["eer"] = v.EqualErrorRate;
            d["verificationAccuracy"] = v.CrossValidation.MeanAccuracy;
            d["verificationAccuracyStd"] = v.CrossValidation.StandardDeviation;
            foreach (var (far, tar) in v.TrueAcceptRates) d[$"tarAtFar{far:0.####}"] = tar;
        }
        if (Diagnostics is { } g)
        {
            d["meanIntraClassAngle"] = g.MeanIntraClassAngle;
            d["minInterClassCenterAngle"] = g.MinInterClassCenterAngle;
        }
        return d;
    }
}

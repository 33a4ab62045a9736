namespace MLNetMarginLoss.Evaluation;

/// <summary>Face-verification style metrics of one set of scored pairs.</summary>
public sealed class VerificationMetrics
{
    /// <summary>The false-accept rates <see cref="TrueAcceptRates"/> reports: 1e-1, 1e-2, 1e-3, 1e-4.</summary>
    public static IReadOnlyList<double> StandardFalseAcceptRates { get; } = [1e-1, 1e-2, 1e-3, 1e-4];

    /// <summary>Computes every metric from pair scores and flags.</summary>
    public VerificationMetrics(ReadOnlySpan<float> scores, ReadOnlySpan<bool> isSame, int folds = 10)
    {
        Roc = RocCurve.Create(scores, isSame);
        CrossValidation = ThresholdCrossValidation.Evaluate(scores, isSame, folds);
        TrueAcceptRates = StandardFalseAcceptRates.ToDictionary(far => far, Roc.TrueAcceptRateAt);
        PairCount = scores.Length;
    }

    /// <summary>Number of pairs.</summary>
    public int PairCount { get; }

    /// <summary>The ROC curve.</summary>
    public RocCurve Roc { get; }

    /// <summary>Area under the ROC curve.</summary>
    public double Auc => Roc.Auc;

    /// <summary>Equal error rate.</summary>
    public double EqualErrorRate => Roc.EqualErrorRate;

    /// <summary>TAR at each of <see cref="StandardFalseAcceptRates"/>; NaN where too few different pairs exist to measure that FAR.</summary>
    public IReadOnlyDictionary<double, double> TrueAcceptRates { get; }

    /// <summary>The LFW-protocol best-threshold accuracy (mean ± std over folds).</summary>
    public ThresholdCrossValidation CrossValidation { get; }
}

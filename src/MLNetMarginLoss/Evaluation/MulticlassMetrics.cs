namespace MLNetMarginLoss.Evaluation;

/// <summary>
/// Multiclass classification metrics with ML.NET's names and definitions
/// (see <see cref="MulticlassEvaluator"/> for how each is computed).
/// </summary>
public sealed class MulticlassMetrics
{
    /// <summary>Creates a metrics object (normally produced by <see cref="MulticlassEvaluator"/>).</summary>
    public MulticlassMetrics(double microAccuracy, double macroAccuracy, double logLoss, double logLossReduction,
        IReadOnlyList<double> perClassLogLoss, int topKPredictionCount, double topKAccuracy,
        IReadOnlyList<double> topKAccuracyForAllK, ConfusionMatrix confusionMatrix)
    {
        MicroAccuracy = microAccuracy;
        MacroAccuracy = macroAccuracy;
        LogLoss = logLoss;
        LogLossReduction = logLossReduction;
        PerClassLogLoss = perClassLogLoss ?? throw new ArgumentNullException(nameof(perClassLogLoss));
        TopKPredictionCount = topKPredictionCount;
        TopKAccuracy = topKAccuracy;
        TopKAccuracyForAllK = topKAccuracyForAllK ?? throw new ArgumentNullException(nameof(topKAccuracyForAllK));
        ConfusionMatrix = confusionMatrix ?? throw new ArgumentNullException(nameof(confusionMatrix));
    }

    /// <summary>Fraction of instances predicted correctly (class membership ignored).</summary>
    public double MicroAccuracy { get; }

    /// <summary>Mean over the classes present in the labels of each class's accuracy (its recall).</summary>
    public double MacroAccuracy { get; }

    /// <summary>Mean of −ln(p_label), with p clipped to [1e-15, 1].</summary>
    public double LogLoss { get; }

    /// <summary>
    /// (LL(prior) − LL(model)) / LL(prior), where LL(prior) is the log-loss of always predicting the label
    /// frequencies of the evaluated data (their entropy). At most 1; negative when worse than the prior.
    /// (ML.NET releases before 1.0 reported this ×100.) Not finite when the data holds a single class.
    /// </summary>
    public double LogLossReduction { get; }

    /// <summary>Mean log-loss of the instances of each class (0 for a class without instances).</summary>
    public IReadOnlyList<double> PerClassLogLoss { get; }

    /// <summary>The K of <see cref="TopKAccuracy"/>; 0 when not requested.</summary>
    public int TopKPredictionCount { get; }

    /// <summary>Fraction of instances whose label is among the <see cref="TopKPredictionCount"/> highest scores (0 when not requested).</summary>
    public double TopKAccuracy { get; }

    /// <summary>Top-k accuracy for every k = 1..C (index k−1); entry 0 equals <see cref="MicroAccuracy"/>.</summary>
    public IReadOnlyList<double> TopKAccuracyForAllK { get; }

    /// <summary>The confusion matrix.</summary>
    public ConfusionMatrix ConfusionMatrix { get; }

    /// <summary>The headline metrics on a few lines, in ML.NET's terms.</summary>
    public override string ToString()
    {
        var c = System.Globalization.CultureInfo.InvariantCulture;
        var text = string.Format(c, "MicroAccuracy {0:F4}  MacroAccuracy {1:F4}  LogLoss {2:F4}  LogLossReduction {3:F4}",
            MicroAccuracy, MacroAccuracy, LogLoss, LogLossReduction);
        if (TopKPredictionCount > 0) text += string.Format(c, "  Top-{0} accuracy {1:F4}", TopKPredictionCount, TopKAccuracy);
        return text;
    }
}

using System.Globalization;
using System.Text;

namespace MLNetMarginLoss.Evaluation;

/// <summary>
/// Per-class precision, recall, F1 and support, plus accuracy and macro / support-weighted averages,
/// with the definitions and the text layout of scikit-learn's <c>classification_report</c>
/// (zero-division results are reported as 0, scikit-learn's default). A row predicted as no class (the k-NN
/// classifier's open-set "unknown", key 0) is a miss for its class's recall and counts towards no class's precision.
/// Built from an <c>IDataView</c> by <c>mlContext.MulticlassClassification.ClassificationReport</c>.
/// </summary>
public sealed class ClassificationReport
{
    private ClassificationReport(IReadOnlyList<ClassificationReportRow> classes, double accuracy, int total,
        ClassificationReportRow macro, ClassificationReportRow weighted, int unknown)
    {
        UnknownCount = unknown;
        Classes = classes;
        Accuracy = accuracy;
        TotalSupport = total;
        MacroAverage = macro;
        WeightedAverage = weighted;
    }

    /// <summary>One row per class, in class order.</summary>
    public IReadOnlyList<ClassificationReportRow> Classes { get; }

    /// <summary>Fraction of rows predicted correctly.</summary>
    public double Accuracy { get; }

    /// <summary>Number of rows.</summary>
    public int TotalSupport { get; }

    /// <summary>Rows predicted as no class (open-set "unknown"); each is a miss.</summary>
    public int UnknownCount { get; }

    /// <summary>Unweighted mean of the per-class values ("macro avg").</summary>
    public ClassificationReportRow MacroAverage { get; }

    /// <summary>Support-weighted mean of the per-class values ("weighted avg").</summary>
    public ClassificationReportRow WeightedAverage { get; }

    /// <summary>Builds a report from true and predicted labels.</summary>
    /// <param name="labels">True classes.</param>
    /// <param name="predicted">Predicted classes, same length; −1 = no class (unknown).</param>
    /// <param name="classCount">Number of classes (every class gets a row, as scikit-learn does with <c>labels=range(C)</c>).</param>
    /// <param name="classNames">Names for the rows; class indices when null.</param>
    internal static ClassificationReport Create(ReadOnlySpan<int> labels, ReadOnlySpan<int> predicted, int classCount, IReadOnlyList<string>? classNames = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);
        if (labels.Length != predicted.Length)
            throw new ArgumentException($"Got {labels.Length} labels but {predicted.Length} predictions.", nameof(predicted));
        if (labels.Length == 0) throw new ArgumentException("There are no rows to report on (0 labels).", nameof(labels));
        if (classNames is not null && classNames.Count != classCount)
            throw new ArgumentException($"Got {classNames.Count} class names for {classCount} classes.", nameof(classNames));
        var tp = new int[classCount];
        var support = new int[classCount];
        var predictedCount = new int[classCount];
        int correct = 0, unknown = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            int y = labels[i], p = predicted[i];
            if ((uint)y >= (uint)classCount) throw new ArgumentException($"Label {y} at row {i} is outside [0, {classCount}).", nameof(labels));
            if (p != -1 && (uint)p >= (uint)classCount) throw new ArgumentException($"Prediction {p} at row {i} is outside [0, {classCount}) and is not −1 (unknown).", nameof(predicted));
            support[y]++;
            if (p < 0) { unknown++; continue; }
            predictedCount[p]++;
            if (y == p) { tp[y]++; correct++; }
        }
        var rows = new ClassificationReportRow[classCount];
        double mp = 0, mr = 0, mf = 0, wp = 0, wr = 0, wf = 0;
        int total = labels.Length;
        for (int c = 0; c < classCount; c++)
        {
            double precision = predictedCount[c] > 0 ? (double)tp[c] / predictedCount[c] : 0;
            double recall = support[c] > 0 ? (double)tp[c] / support[c] : 0;
            double f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
            rows[c] = new ClassificationReportRow(classNames?[c] ?? c.ToString(CultureInfo.InvariantCulture), precision, recall, f1, support[c]);
            mp += precision; mr += recall; mf += f1;
            wp += precision * support[c]; wr += recall * support[c]; wf += f1 * support[c];
        }
        var macro = new ClassificationReportRow("macro avg", mp / classCount, mr / classCount, mf / classCount, total);
        var weighted = new ClassificationReportRow("weighted avg", wp / total, wr / total, wf / total, total);
        return new ClassificationReport(rows, (double)correct / total, total, macro, weighted, unknown);
    }

    /// <summary>
    /// The report as scikit-learn prints it: right-aligned names, columns 9 wide, <paramref name="digits"/> decimals
    /// (Python's rounding), an "accuracy" line with only the F1 column and the support.
    /// </summary>
    public string ToText(int digits = 2)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(digits);
        const string longest = "weighted avg";
        int width = Math.Max(Classes.Max(r => r.Name.Length), Math.Max(longest.Length, digits));
        var sb = new StringBuilder();
        sb.Append(new string(' ', width)).Append(' ');
        foreach (var h in new[] { "precision", "recall", "f1-score", "support" }) sb.Append(' ').Append(h.PadLeft(9));
        sb.Append("\n\n");
        foreach (var r in Classes) AppendRow(sb, r, width, digits);
        sb.Append('\n');
        sb.Append("accuracy".PadLeft(width)).Append(' ')
          .Append(' ').Append(new string(' ', 9))
          .Append(' ').Append(new string(' ', 9))
          .Append(' ').Append(PythonFixedFormat.Format(Accuracy, digits).PadLeft(9))
          .Append(' ').Append(TotalSupport.ToString(CultureInfo.InvariantCulture).PadLeft(9)).Append('\n');
        AppendRow(sb, MacroAverage, width, digits);
        AppendRow(sb, WeightedAverage, width, digits);
        return sb.ToString();
    }

    private static void AppendRow(StringBuilder sb, ClassificationReportRow r, int width, int digits)
    {
        sb.Append(r.Name.PadLeft(width)).Append(' ');
        foreach (var v in new[] { r.Precision, r.Recall, r.F1 }) sb.Append(' ').Append(PythonFixedFormat.Format(v, digits).PadLeft(9));
        sb.Append(' ').Append(r.Support.ToString(CultureInfo.InvariantCulture).PadLeft(9)).Append('\n');
    }

    /// <inheritdoc />
    public override string ToString() => ToText();
}

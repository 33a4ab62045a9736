using System.Globalization;
using System.Text;

namespace MLNetMarginLoss.Evaluation;

/// <summary>
/// Counts of (actual class, predicted class) pairs, with ML.NET's member names: rows are the actual
/// classes, columns the predicted ones.
/// </summary>
public sealed class ConfusionMatrix
{
    private readonly double[][] _counts;

    /// <summary>Creates a matrix from counts [actual][predicted] (copied).</summary>
    public ConfusionMatrix(double[][] counts, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(counts);
        int c = counts.Length;
        if (c == 0) throw new ArgumentException("A confusion matrix needs at least one class.", nameof(counts));
        _counts = new double[c][];
        for (int i = 0; i < c; i++)
        {
            if (counts[i] is null || counts[i].Length != c)
                throw new ArgumentException($"Row {i} of the counts has {counts[i]?.Length ?? 0} entries; expected {c} (a square matrix).", nameof(counts));
            _counts[i] = (double[])counts[i].Clone();
        }
        if (classNames is not null && classNames.Count != c)
            throw new ArgumentException($"Got {classNames.Count} class names for {c} classes.", nameof(classNames));
        ClassNames = classNames?.ToArray() ?? Enumerable.Range(0, c).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();

        var precision = new double[c];
        var recall = new double[c];
        for (int k = 0; k < c; k++)
        {
            double row = 0, col = 0;
            for (int j = 0; j < c; j++) { row += _counts[k][j]; col += _counts[j][k]; }
            recall[k] = row > 0 ? _counts[k][k] / row : 0;
            precision[k] = col > 0 ? _counts[k][k] / col : 0;
        }
        PerClassPrecision = precision;
        PerClassRecall = recall;
        Counts = _counts.Select(r => (IReadOnlyList<double>)Array.AsReadOnly(r)).ToArray();
    }

    /// <summary>Number of classes.</summary>
    public int NumberOfClasses => _counts.Length;

    /// <summary>Names used in the formatted table (class indices when none were given).</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Counts[actual][predicted].</summary>
    public IReadOnlyList<IReadOnlyList<double>> Counts { get; }

    /// <summary>Precision of each class: correct predictions of the class / all predictions of it (0 when never predicted).</summary>
    public IReadOnlyList<double> PerClassPrecision { get; }

    /// <summary>Recall of each class: correct predictions of the class / its instances (0 when it has none).</summary>
    public IReadOnlyList<double> PerClassRecall { get; }

    /// <summary>The count of instances of class <paramref name="actualClass"/> predicted as <paramref name="predictedClass"/>.</summary>
    public double GetCountForClassPair(int predictedClass, int actualClass)
    {
        if ((uint)predictedClass >= (uint)NumberOfClasses || (uint)actualClass >= (uint)NumberOfClasses)
            throw new ArgumentOutOfRangeException(nameof(predictedClass), $"Class indices must be in [0, {NumberOfClasses}); got predicted {predictedClass}, actual {actualClass}.");
        return _counts[actualClass][predictedClass];
    }

    /// <summary>
    /// A text table in the style of ML.NET's: one row per actual class with its recall,
    /// one column per predicted class, and a precision row at the bottom.
    /// </summary>
    public string GetFormattedConfusionTable()
    {
        var inv = CultureInfo.InvariantCulture;
        int c = NumberOfClasses;
        string[] heads = ClassNames.ToArray();
        int cell = Math.Max(6, heads.Max(h => h.Length));
        for (int i = 0; i < c; i++)
            for (int j = 0; j < c; j++)
                cell = Math.Max(cell, _counts[i][j].ToString("0.##", inv).Length);
        int label = Math.Max(9, heads.Max(h => h.Length));
        var sb = new StringBuilder();
        string rule = new string(' ', label) + " ||" + new string('=', c * (cell + 3) + 7);
        sb.Append("Confusion table\n");
        sb.Append(rule).Append('\n');
        sb.Append("PREDICTED".PadRight(label)).Append(" ||");
        foreach (var h in heads) sb.Append(' ').Append(h.PadLeft(cell)).Append(" |");
        sb.Append(" Recall\n");
        sb.Append("TRUTH".PadRight(label)).Append(" ||").Append(new string('=', c * (cell + 3) + 7)).Append('\n');
        for (int i = 0; i < c; i++)
        {
            sb.Append(heads[i].PadLeft(label)).Append(" ||");
            for (int j = 0; j < c; j++) sb.Append(' ').Append(_counts[i][j].ToString("0.##", inv).PadLeft(cell)).Append(" |");
            sb.Append(' ').Append(PerClassRecall[i].ToString("0.0000", inv)).Append('\n');
        }
        sb.Append(rule).Append('\n');
        sb.Append("Precision".PadRight(label)).Append(" ||");
        for (int j = 0; j < c; j++) sb.Append(' ').Append(PerClassPrecision[j].ToString("0.0000", inv).PadLeft(cell)).Append(" |");
        sb.Append('\n');
        return sb.ToString();
    }

    /// <inheritdoc />
    public override string ToString() => GetFormattedConfusionTable();
}

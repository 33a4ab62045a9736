using System.Globalization;
using MLNetMarginLoss.Evaluation;
using ScottPlot;

namespace MLNetMarginLoss.Plotting;

/// <summary>
/// A confusion-matrix heat map: one row per actual class (first class on top), one column per predicted class,
/// class names on both axes. By default each cell shows the row-normalised rate
/// count[actual][predicted] / Σ_p count[actual][p] — the diagonal is each class's recall — on a fixed 0…1 colour
/// scale; with <c>normalize: false</c> it shows the raw counts on a 0…max scale. A colour bar gives the scale, and
/// each cell's value is written in it when there are at most 30 classes. Rows of a class with no instances are
/// empty (grey, "–").
/// </summary>
public static class ConfusionMatrixPlot
{
    /// <summary>Classes up to which each cell's value is written in the cell.</summary>
    public const int MaxAnnotatedClasses = 30;

    /// <summary>
    /// The cell values drawn: [actual, predicted], rates (NaN for a class with no instances) or counts.
    /// </summary>
    public static double[,] Values(ConfusionMatrix matrix, bool normalize = true)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        int n = matrix.NumberOfClasses;
        var values = new double[n, n];
        for (int a = 0; a < n; a++)
        {
            double row = matrix.Counts[a].Sum();
            for (int p = 0; p < n; p++)
                values[a, p] = !normalize ? matrix.Counts[a][p] : row > 0 ? matrix.Counts[a][p] / row : double.NaN;
        }
        return values;
    }

    /// <summary>The heat map of <paramref name="matrix"/> (see the class summary).</summary>
    public static Plot Create(ConfusionMatrix matrix, bool normalize = true, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        int n = matrix.NumberOfClasses;
        var values = Values(matrix, normalize);
        var plot = PlotTheme.NewPlot(title ?? (normalize ? "Confusion matrix (rows normalised: recall on the diagonal)" : "Confusion matrix (counts)"),
            "predicted class", "actual class");

        var heatmap = plot.Add.Heatmap(values);
        heatmap.Colormap = new ScottPlot.Colormaps.Reversed(new ScottPlot.Colormaps.Blues());   // 0 white … 1 dark blue
        heatmap.NaNCellColor = Colors.LightGray;
        double max = 0;
        foreach (var v in values) if (double.IsFinite(v)) max = Math.Max(max, v);
        heatmap.ManualRange = normalize ? new ScottPlot.Range(0, 1) : new ScottPlot.Range(0, Math.Max(1, max));
        // ScottPlot draws row 0 of the intensities on top, cells one unit wide: cell (a, p) is centred at x = p, y = n − 1 − a.
        var bar = plot.Add.ColorBar(heatmap);
        bar.Label = normalize ? "fraction of the actual class" : "count";
        var barTicks = new ScottPlot.TickGenerators.NumericManual();
        var barPositions = DecimalTicks.NiceSteps(0, normalize ? 1 : Math.Max(1, max), 5, integersOnly: !normalize);
        var barLabels = DecimalTicks.Format(barPositions);
        for (int i = 0; i < barPositions.Count; i++) barTicks.AddMajor(barPositions[i], barLabels[i]);
        bar.Axis.TickGenerator = barTicks;

        var names = matrix.ClassNames;
        var xTicks = new ScottPlot.TickGenerators.NumericManual();
        var yTicks = new ScottPlot.TickGenerators.NumericManual();
        for (int i = 0; i < n; i++)
        {
            xTicks.AddMajor(i, names[i]);
            yTicks.AddMajor(n - 1 - i, names[i]);
        }
        plot.Axes.Bottom.TickGenerator = xTicks;
        plot.Axes.Left.TickGenerator = yTicks;
        int longest = names.Max(s => s.Length);
        if (longest > 3 && n > 4)
        {
            plot.Axes.Bottom.TickLabelStyle.Rotation = -40;
            plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
            // Room for the rotated names: sin 40° × (≈0.6 em per character) + the axis label.
            plot.Axes.Bottom.MinimumSize = Math.Min(160, 0.64f * 0.6f * PlotTheme.TickSize * longest + 36);
        }
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Left.MajorTickStyle.Length = 0;
        plot.HideGrid();

        if (n <= MaxAnnotatedClasses)
        {
            float size = n <= 10 ? 12 : n <= 20 ? 9 : 7;
            for (int a = 0; a < n; a++)
                for (int p = 0; p < n; p++)
                {
                    double v = values[a, p];
                    string text = !double.IsFinite(v) ? "–" : normalize ? v.ToString("0.00", CultureInfo.InvariantCulture) : v.ToString("0", CultureInfo.InvariantCulture);
                    var label = plot.Add.Text(text, p, n - 1 - a);
                    label.LabelFontSize = size;
                    label.LabelAlignment = Alignment.MiddleCenter;
                    double scale = normalize ? 1 : Math.Max(1, max);
                    label.LabelFontColor = double.IsFinite(v) && v / scale > 0.55 ? Colors.White : Colors.Black;
                    if (PlotTheme.FontName is { } font) label.LabelFontName = font;
                }
        }
        plot.Axes.SetLimits(-0.5, n - 0.5, -0.5, n - 0.5);
        return plot;
    }

    /// <summary>Creates the plot (see <see cref="Create"/>) and saves it (see <see cref="PlotFile"/>); returns the full path written.</summary>
    public static string Save(string path, ConfusionMatrix matrix, bool normalize = true, string? title = null,
        int width = PlotFile.DefaultWidth, int height = PlotFile.DefaultHeight, PlotFormat? format = null)
        => PlotFile.Save(Create(matrix, normalize, title), path, width, height, format);
}

using System.Globalization;
using MLNetMarginLoss.Evaluation;
using ScottPlot;

namespace MLNetMarginLoss.Plotting;

/// <summary>
/// Embeddings projected on their first two principal components (<see cref="Pca"/>: centred, then
/// pc_k = (v − mean) · axis_k), one colour per class, the classes named in a legend right of the plot. Each
/// axis label gives the component's share of the total variance, e.g. "PC1 (41.2 % of variance)".
/// </summary>
public static class PcaScatterPlot
{
    /// <summary>
    /// The scatter plot of row-major <paramref name="embeddings"/> (N × <paramref name="dimension"/>, N ≥ 2,
    /// dimension ≥ 2) coloured by <paramref name="labels"/> (0-based class indices), with
    /// <paramref name="classNames"/> (class indices when null) in the legend. One marker series per class
    /// present, in class order, holding that class's rows in their original order.
    /// </summary>
    public static Plot Create(ReadOnlySpan<float> embeddings, int dimension, ReadOnlySpan<int> labels, IReadOnlyList<string>? classNames = null, string? title = null)
    {
        if (dimension < 2) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "A 2-D PCA scatter needs embeddings of dimension ≥ 2.");
        if (embeddings.Length != labels.Length * dimension)
            throw new ArgumentException($"Expected {labels.Length}×{dimension} = {labels.Length * dimension} values for {labels.Length} labels; got {embeddings.Length}.", nameof(embeddings));
        var names = ClassLabels.Names(labels, classNames);
        var pca = Pca.Fit(embeddings, dimension);
        var projected = pca.Project(embeddings, 2);
        var plot = PlotTheme.NewPlot(title ?? "Embeddings: first two principal components",
            AxisLabel(1, pca.ExplainedVarianceRatio[0]), AxisLabel(2, pca.ExplainedVarianceRatio[1]));
        foreach (int c in ClassLabels.Present(labels, names.Length))
        {
            var xs = new List<double>();
            var ys = new List<double>();
            for (int i = 0; i < labels.Length; i++)
                if (labels[i] == c) { xs.Add(projected[2 * i]); ys.Add(projected[2 * i + 1]); }
            var markers = plot.Add.Markers(xs.ToArray(), ys.ToArray(), MarkerShape.FilledCircle, PlotTheme.PointSize, PlotPalette.Color(c).WithAlpha(0.7));
            markers.LegendText = names[c];
            plot.Legend.ManualItems.Add(PlotTheme.MarkerItem(names[c], PlotPalette.Color(c)));   // larger swatch than the points
        }
        plot.Legend.DisplayPlottableLegendItems = false;
        plot.ShowLegend(Edge.Right);
        plot.Legend.FontSize = PlotTheme.LegendSize;
        return plot;
    }

    /// <summary>Creates the plot (see <see cref="Create"/>) and saves it (see <see cref="PlotFile"/>); returns the full path written.</summary>
    public static string Save(string path, ReadOnlySpan<float> embeddings, int dimension, ReadOnlySpan<int> labels, IReadOnlyList<string>? classNames = null,
        string? title = null, int width = PlotFile.DefaultWidth, int height = PlotFile.DefaultHeight, PlotFormat? format = null)
        => PlotFile.Save(Create(embeddings, dimension, labels, classNames, title), path, width, height, format);

    private static string AxisLabel(int component, double ratio) =>
        string.Create(CultureInfo.InvariantCulture, $"PC{component} ({100 * ratio:0.0} % of variance)");
}

using System.Globalization;
using MLNetMarginLoss.Evaluation;
using ScottPlot;

namespace MLNetMarginLoss.Plotting;

/// <summary>
/// The PCA explained-variance curve: bars of each principal component's share of the total variance
/// (λ_k / Σλ, <see cref="Pca.ExplainedVarianceRatio"/>) and a line of the running total
/// (<see cref="Pca.CumulativeExplainedVarianceRatio"/>), components numbered from 1. A dashed line marks 90 % of
/// the variance, a ring marks the first component at which the running total reaches it, and the legend says
/// how many components that is. By default the first
/// min(dimension, 64) components are shown.
/// </summary>
public static class ExplainedVariancePlot
{
    /// <summary>Components shown when <c>maxComponents</c> is not given (or fewer, when the dimension is smaller).</summary>
    public const int DefaultMaxComponents = 64;

    /// <summary>The plot of <paramref name="pca"/> (see the class summary).</summary>
    public static Plot Create(Pca pca, int? maxComponents = null, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(pca);
        int k = Math.Min(pca.Dimension, maxComponents ?? DefaultMaxComponents);
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(maxComponents), maxComponents, "Show at least one component.");
        var components = Enumerable.Range(1, k).Select(i => (double)i).ToArray();
        var ratio = pca.ExplainedVarianceRatio.Take(k).ToArray();
        var cumulative = pca.CumulativeExplainedVarianceRatio.Take(k).ToArray();

        var plot = PlotTheme.NewPlot(title ?? "PCA explained variance", "principal component", "fraction of total variance");
        plot.Axes.Bottom.TickGenerator = new DecimalTicks { IntegerTicksOnly = true };
        var bars = plot.Add.Bars(components, ratio);
        bars.LegendText = "per component";
        foreach (var bar in bars.Bars)
        {
            bar.FillColor = PlotPalette.Color(0).WithAlpha(0.75);
            bar.LineWidth = 0;
            bar.Size = 0.8;
        }
        var line = plot.Add.Scatter(components, cumulative, PlotPalette.Color(1));
        line.LegendText = "cumulative";
        line.LineWidth = 2;
        line.MarkerSize = k <= 32 ? 6 : 0;

        int reach = pca.CumulativeExplainedVarianceRatio.Select((v, i) => (v, i)).FirstOrDefault(t => t.v >= 0.9 - 1e-12, (0, -1)).i + 1;
        var ninety = plot.Add.HorizontalLine(0.9, 1.2f, Colors.Gray, LinePattern.Dashed);
        ninety.LegendText = reach > 0
            ? string.Create(CultureInfo.InvariantCulture, $"90 % of variance: {reach} component{(reach == 1 ? "" : "s")}")
            : "90 % of variance";
        if (reach > 0 && reach <= k)
        {
            var mark = plot.Add.Marker(reach, cumulative[reach - 1], MarkerShape.OpenCircle, 14, Colors.Black);
            mark.MarkerStyle.LineWidth = 2;
        }

        plot.Axes.SetLimits(0.3, k + 0.7, 0, 1.05);
        plot.ShowLegend(Alignment.MiddleRight);
        return plot;
    }

    /// <summary>Creates the plot (see <see cref="Create"/>) and saves it (see <see cref="PlotFile"/>); returns the full path written.</summary>
    public static string Save(string path, Pca pca, int? maxComponents = null, string? title = null,
        int width = PlotFile.DefaultWidth, int height = PlotFile.DefaultHeight, PlotFormat? format = null)
        => PlotFile.Save(Create(pca, maxComponents, title), path, width, height, format);
}

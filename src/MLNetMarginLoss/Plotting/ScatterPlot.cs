using MLNetMarginLoss.Evaluation;

namespace MLNetMarginLoss.Plotting;

/// <summary>
/// A 2-D scatter plot coloured by class with a legend — typically the first two principal components of
/// embeddings (<see cref="RenderPca"/>). Points are &lt;circle class="point"&gt; elements inside
/// &lt;g class="points"&gt;; the legend has one entry per class present.
/// </summary>
public sealed class ScatterPlot
{
    /// <summary>Title above the plot.</summary>
    public string Title { get; init; } = "Embeddings";

    /// <summary>X axis label.</summary>
    public string XLabel { get; init; } = "x";

    /// <summary>Y axis label.</summary>
    public string YLabel { get; init; } = "y";

    /// <summary>Width of the data panel in pixels.</summary>
    public double PanelSize { get; init; } = 480;

    /// <summary>Marker radius in pixels.</summary>
    public double PointRadius { get; init; } = 2.5;

    /// <summary>Marker fill opacity.</summary>
    public double PointOpacity { get; init; } = 0.75;

    /// <summary>Renders row-major 2-D <paramref name="points"/> (N×2) coloured by <paramref name="labels"/>.</summary>
    public string Render(ReadOnlySpan<float> points, ReadOnlySpan<int> labels, IReadOnlyList<string>? classNames = null)
    {
        if (points.Length != labels.Length * 2)
            throw new ArgumentException($"Expected {labels.Length}×2 = {labels.Length * 2} coordinates for {labels.Length} labels; got {points.Length}.", nameof(points));
        var names = ClassLabels.Names(labels, classNames);
        double xMin = double.PositiveInfinity, xMax = double.NegativeInfinity, yMin = double.PositiveInfinity, yMax = double.NegativeInfinity;
        for (int i = 0; i < labels.Length; i++)
        {
            double x = points[2 * i], y = points[2 * i + 1];
            if (!double.IsFinite(x) || !double.IsFinite(y)) continue;
            xMin = Math.Min(xMin, x); xMax = Math.Max(xMax, x); yMin = Math.Min(yMin, y); yMax = Math.Max(yMax, y);
        }
        (xMin, xMax) = PlotArea.PaddedRange(xMin, xMax);
        (yMin, yMax) = PlotArea.PaddedRange(yMin, yMax);
        var present = ClassLabels.Present(labels, names.Length);
        double legendWidth = PlotLegend.Width(present.Select(c => names[c]));
        double left = 60, top = 36;
        double height = Math.Max(PanelSize, present.Length * PlotLegend.RowHeight);
        var svg = new SvgWriter(left + PanelSize + 20 + legendWidth + 10, top + height + 50);
        var area = new PlotArea(left, top, PanelSize, height, xMin, xMax, yMin, yMax);
        area.DrawAxes(svg, Title, XLabel, YLabel);
        svg.BeginGroup("points");
        for (int i = 0; i < labels.Length; i++)
        {
            double x = points[2 * i], y = points[2 * i + 1];
            if (!area.CanPlot(x, y)) continue;
            svg.Circle(area.X(x), area.Y(y), PointRadius, PlotPalette.Color(labels[i]), cssClass: "point", opacity: PointOpacity);
        }
        svg.EndGroup();
        PlotLegend.Draw(svg, left + PanelSize + 20, top, present.Select(c => (names[c], PlotPalette.Color(c))));
        return svg.ToString();
    }

    /// <summary>Projects row-major <paramref name="embeddings"/> on their first two principal components and renders them.</summary>
    public string RenderPca(ReadOnlySpan<float> embeddings, int dimension, ReadOnlySpan<int> labels, IReadOnlyList<string>? classNames = null)
    {
        if (dimension < 2) throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "A 2-D PCA scatter needs embeddings of dimension ≥ 2.");
        var pca = Pca.Fit(embeddings, dimension);
        var projected = pca.Project(embeddings, 2);
        var plot = new ScatterPlot
        {
            Title = Title, PanelSize = PanelSize, PointRadius = PointRadius, PointOpacity = PointOpacity,
            XLabel = $"PC1 ({pca.ExplainedVarianceRatio[0]:P1})", YLabel = $"PC2 ({pca.ExplainedVarianceRatio[1]:P1})",
        };
        return plot.Render(projected, labels, classNames);
    }

    /// <summary>Renders (see <see cref="Render"/>) and saves to <paramref name="path"/>.</summary>
    public void Save(string path, ReadOnlySpan<float> points, ReadOnlySpan<int> labels, IReadOnlyList<string>? classNames = null)
        => SvgWriter.Save(Render(points, labels, classNames), path);

    /// <summary>Renders the PCA scatter (see <see cref="RenderPca"/>) and saves it to <paramref name="path"/>.</summary>
    public void SavePca(string path, ReadOnlySpan<float> embeddings, int dimension, ReadOnlySpan<int> labels, IReadOnlyList<string>? classNames = null)
        => SvgWriter.Save(RenderPca(embeddings, dimension, labels, classNames), path);
}

namespace MLNetMarginLoss.Plotting;

/// <summary>
/// Three orthogonal views (x-y, x-z, y-z) of 3-D embeddings normalised onto the unit sphere, each with the
/// unit circle drawn (&lt;circle class="unit-circle"&gt;), points as &lt;circle class="point"&gt; coloured by
/// class, and one legend. This is the classic picture of how a margin loss separates classes on the sphere.
/// </summary>
public sealed class ProjectionPlot
{
    /// <summary>Title above the views.</summary>
    public string Title { get; init; } = "3-D embeddings on the unit sphere";

    /// <summary>Size of each square view in pixels.</summary>
    public double PanelSize { get; init; } = 300;

    /// <summary>Marker radius in pixels.</summary>
    public double PointRadius { get; init; } = 2;

    /// <summary>Marker fill opacity.</summary>
    public double PointOpacity { get; init; } = 0.7;

    /// <summary>Renders row-major 3-D <paramref name="embeddings"/> (N×3) coloured by <paramref name="labels"/>.</summary>
    public string Render(ReadOnlySpan<float> embeddings, ReadOnlySpan<int> labels, IReadOnlyList<string>? classNames = null)
    {
        if (embeddings.Length != labels.Length * 3)
            throw new ArgumentException($"Expected {labels.Length}×3 = {labels.Length * 3} coordinates for {labels.Length} labels; got {embeddings.Length}.", nameof(embeddings));
        var names = ClassLabels.Names(labels, classNames);
        var unit = Embeddings.RowNormalization.Normalize(embeddings, 3);
        var present = ClassLabels.Present(labels, names.Length);
        double legendWidth = PlotLegend.Width(present.Select(c => names[c]));
        double left = 50, top = 56, gap = 60;
        double height = Math.Max(PanelSize, present.Length * PlotLegend.RowHeight);
        var svg = new SvgWriter(left + 3 * PanelSize + 2 * gap + 20 + legendWidth + 10, top + height + 50);
        svg.Text(left + (3 * PanelSize + 2 * gap) / 2, 22, Title, 15, "middle", "title");
        (int A, int B, string Name)[] views = [(0, 1, "x-y"), (0, 2, "x-z"), (1, 2, "y-z")];
        string[] axis = ["x", "y", "z"];
        for (int v = 0; v < views.Length; v++)
        {
            var (a, b, name) = views[v];
            var area = new PlotArea(left + v * (PanelSize + gap), top, PanelSize, PanelSize, -1.1, 1.1, -1.1, 1.1);
            svg.BeginGroup("view");
            area.DrawAxes(svg, name, axis[a], axis[b], drawGrid: false);
            svg.Circle(area.X(0), area.Y(0), area.X(1) - area.X(0), "none", "#888888", 1, "unit-circle");
            svg.BeginGroup("points");
            for (int i = 0; i < labels.Length; i++)
            {
                double x = unit[3 * i + a], y = unit[3 * i + b];
                svg.Circle(area.X(x), area.Y(y), PointRadius, PlotPalette.Color(labels[i]), cssClass: "point", opacity: PointOpacity);
            }
            svg.EndGroup();
            svg.EndGroup();
        }
        PlotLegend.Draw(svg, left + 3 * PanelSize + 2 * gap + 20, top, present.Select(c => (names[c], PlotPalette.Color(c))));
        return svg.ToString();
    }

    /// <summary>Renders (see <see cref="Render"/>) and saves to <paramref name="path"/>.</summary>
    public void Save(string path, ReadOnlySpan<float> embeddings, ReadOnlySpan<int> labels, IReadOnlyList<string>? classNames = null)
        => SvgWriter.Save(Render(embeddings, labels, classNames), path);
}

using ScottPlot;

namespace MLNetMarginLoss.Plotting;

/// <summary>
/// Three orthographic views of 3-D embeddings normalised onto the unit sphere (u = v / ‖v‖), side by side in one
/// figure — the picture of how a margin loss gathers each class into its own patch of the sphere. The views are
/// right-handed: x–y is seen from +z, x–z from −y and y–z from +x (first axis to the right, second up). An
/// orthographic view lays the near and the far hemisphere over each other, so points on the hemisphere facing
/// the viewer (z ≥ 0, y ≤ 0 and x ≥ 0 respectively) are drawn as filled markers on top, and points on the far
/// hemisphere as hollow, fainter markers beneath them. Every view draws the unit circle (the sphere's outline)
/// with equal units on both axes; one legend band below names the classes and the two marker styles.
/// </summary>
public static class SphereProjectionPlot
{
    /// <summary>The views: the plotted coordinates (right, up), the depth coordinate and its sign towards the viewer, and the title.</summary>
    internal static readonly (int Right, int Up, int Depth, int Towards, string Title)[] Views =
    [
        (0, 1, 2, +1, "x–y, seen from +z"),
        (0, 2, 1, -1, "x–z, seen from −y"),
        (1, 2, 0, +1, "y–z, seen from +x"),
    ];

    private static readonly string[] AxisNames = ["x", "y", "z"];

    /// <summary>
    /// The figure for row-major 3-D <paramref name="embeddings"/> (N × 3) coloured by <paramref name="labels"/>
    /// (0-based class indices) with <paramref name="classNames"/> (class indices when null) in the legend. The
    /// figure's first three subplots are the x–y, x–z and y–z views.
    /// </summary>
    public static Multiplot Create(ReadOnlySpan<float> embeddings, ReadOnlySpan<int> labels, IReadOnlyList<string>? classNames = null, string? title = null)
    {
        if (embeddings.Length != labels.Length * 3)
            throw new ArgumentException($"Expected {labels.Length}×3 = {labels.Length * 3} coordinates for {labels.Length} labels; got {embeddings.Length}.", nameof(embeddings));
        var names = ClassLabels.Names(labels, classNames);
        var present = ClassLabels.Present(labels, names.Length);
        var unit = Embeddings.RowNormalization.Normalize(embeddings, 3);
        var labelArray = labels.ToArray();

        var panels = new List<Plot>(3);
        foreach (var (right, up, depth, towards, viewTitle) in Views)
        {
            var plot = PlotTheme.NewPlot(viewTitle, AxisNames[right], AxisNames[up]);
            plot.Axes.Title.Label.FontSize = PlotTheme.LabelSize;
            // Far hemisphere first (underneath), then the outline, then the near hemisphere on top.
            foreach (bool front in new[] { false, true })
            {
                if (front)
                {
                    var circle = plot.Add.Circle(0, 0, 1);
                    circle.LineColor = Colors.Black.WithAlpha(0.6);
                    circle.LineWidth = 1.2f;
                    circle.FillColor = Colors.Transparent;
                }
                foreach (int c in present)
                {
                    var xs = new List<double>();
                    var ys = new List<double>();
                    for (int i = 0; i < labelArray.Length; i++)
                    {
                        if (labelArray[i] != c) continue;
                        bool isFront = towards * unit[3 * i + depth] >= 0;
                        if (isFront != front) continue;
                        xs.Add(unit[3 * i + right]);
                        ys.Add(unit[3 * i + up]);
                    }
                    if (xs.Count == 0) continue;
                    var color = PlotPalette.Color(c);
                    var markers = plot.Add.Markers(xs.ToArray(), ys.ToArray(), front ? MarkerShape.FilledCircle : MarkerShape.OpenCircle,
                        PlotTheme.PointSize, front ? color.WithAlpha(0.85) : color.WithAlpha(0.4));
                    markers.MarkerStyle.LineWidth = 1;
                }
            }
            plot.Axes.SetLimits(-1.15, 1.15, -1.15, 1.15);
            plot.Axes.SquareUnits();
            panels.Add(plot);
        }

        var legend = present.Select(c => PlotTheme.MarkerItem(names[c], PlotPalette.Color(c))).ToList();
        legend.Add(PlotTheme.MarkerItem("front (facing the viewer)", Colors.DimGray));
        legend.Add(PlotTheme.MarkerItem("back (seen through)", Colors.DimGray.WithAlpha(0.6), MarkerShape.OpenCircle));
        return FigureLayout.Compose(1, 3, panels, title, legend, legendHeight: 110, maxPanelAspect: 1.25f);
    }

    /// <summary>Creates the figure (see <see cref="Create"/>) and saves it (see <see cref="PlotFile"/>); returns the full path written.</summary>
    public static string Save(string path, ReadOnlySpan<float> embeddings, ReadOnlySpan<int> labels, IReadOnlyList<string>? classNames = null,
        string? title = null, int width = PlotFile.DefaultWidth, int height = PlotFile.DefaultHeight, PlotFormat? format = null)
        => PlotFile.Save(Create(embeddings, labels, classNames, title), path, width, height, format);
}

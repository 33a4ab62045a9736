using MLNetMarginLoss.Evaluation;

namespace MLNetMarginLoss.Plotting;

/// <summary>
/// ROC curves (true-accept rate against false-accept rate), one &lt;polyline class="series"&gt; per curve,
/// with a legend; optionally with a logarithmic FAR axis, where points with FAR = 0 are not drawn.
/// </summary>
public sealed class RocPlot
{
    /// <summary>Title above the plot.</summary>
    public string Title { get; init; } = "ROC";

    /// <summary>Use a base-10 logarithmic false-accept-rate axis.</summary>
    public bool LogFalseAcceptRate { get; init; }

    /// <summary>Smallest FAR shown on a logarithmic axis.</summary>
    public double MinimumFalseAcceptRate { get; init; } = 1e-4;

    /// <summary>Size of the data panel in pixels.</summary>
    public double PanelSize { get; init; } = 420;

    /// <summary>Renders curves given as series of (FAR, TAR).</summary>
    public string Render(IReadOnlyList<PlotSeries> curves)
    {
        ArgumentNullException.ThrowIfNull(curves);
        if (curves.Count == 0) throw new ArgumentException("Give at least one ROC curve.", nameof(curves));
        if (LogFalseAcceptRate && !(MinimumFalseAcceptRate > 0 && MinimumFalseAcceptRate < 1))
            throw new InvalidOperationException($"MinimumFalseAcceptRate must be in (0, 1) for a logarithmic axis; got {MinimumFalseAcceptRate}.");
        double left = 60, top = 36;
        double legendWidth = PlotLegend.Width(curves.Select(c => c.Name));
        var svg = new SvgWriter(left + PanelSize + 20 + legendWidth + 10, top + PanelSize + 50);
        var area = new PlotArea(left, top, PanelSize, PanelSize, LogFalseAcceptRate ? MinimumFalseAcceptRate : 0, 1, 0, 1, LogFalseAcceptRate);
        area.DrawAxes(svg, Title, LogFalseAcceptRate ? "false accept rate (log)" : "false accept rate", "true accept rate");
        if (!LogFalseAcceptRate) svg.Line(area.X(0), area.Y(0), area.X(1), area.Y(1), "#bbbbbb", 1, "4 4", "chance");
        svg.BeginGroup("curves");
        for (int s = 0; s < curves.Count; s++)
        {
            var c = curves[s];
            var pts = new List<(double, double)>();
            for (int i = 0; i < c.X.Count; i++)
            {
                double x = c.X[i], y = c.Y[i];
                if (!area.CanPlot(x, y) || (LogFalseAcceptRate && x < MinimumFalseAcceptRate)) continue;
                pts.Add((area.X(x), area.Y(y)));
            }
            svg.Polyline(pts, PlotPalette.Color(s), 2, cssClass: "series");
        }
        svg.EndGroup();
        PlotLegend.Draw(svg, left + PanelSize + 20, top, curves.Select((c, i) => (c.Name, PlotPalette.Color(i))), lineSwatch: true);
        return svg.ToString();
    }

    /// <summary>Renders one or more <see cref="RocCurve"/>s with their names.</summary>
    public string Render(params (string Name, RocCurve Curve)[] curves)
        => Render(curves.Select(c => new PlotSeries(c.Name,
            c.Curve.Points.Select(p => p.FalsePositiveRate).ToArray(),
            c.Curve.Points.Select(p => p.TruePositiveRate).ToArray())).ToList());

    /// <summary>Renders (see <see cref="Render(IReadOnlyList{PlotSeries})"/>) and saves to <paramref name="path"/>.</summary>
    public void Save(string path, IReadOnlyList<PlotSeries> curves) => SvgWriter.Save(Render(curves), path);
}

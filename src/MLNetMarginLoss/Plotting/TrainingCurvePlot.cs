namespace MLNetMarginLoss.Plotting;

/// <summary>
/// Training curves side by side: loss per epoch (left) and accuracy per epoch (right), each with a
/// training and an optional validation series (&lt;polyline class="series"&gt;, markers as
/// &lt;circle class="marker"&gt;). Epochs are numbered from 1; NaN values are skipped.
/// </summary>
public sealed class TrainingCurvePlot
{
    /// <summary>Title above the panels.</summary>
    public string Title { get; init; } = "Training";

    /// <summary>Size of each panel in pixels.</summary>
    public double PanelSize { get; init; } = 360;

    /// <summary>Renders the curves. Series may be empty (nothing drawn) but not of different lengths within a pair.</summary>
    /// <param name="trainLoss">Training loss per epoch.</param>
    /// <param name="validationLoss">Validation loss per epoch, or null.</param>
    /// <param name="trainAccuracy">Training accuracy per epoch (0..1), or null.</param>
    /// <param name="validationAccuracy">Validation accuracy per epoch, or null.</param>
    public string Render(IReadOnlyList<double> trainLoss, IReadOnlyList<double>? validationLoss = null,
        IReadOnlyList<double>? trainAccuracy = null, IReadOnlyList<double>? validationAccuracy = null)
    {
        ArgumentNullException.ThrowIfNull(trainLoss);
        double left = 60, top = 56, gap = 80, legendHeight = 24;
        var svg = new SvgWriter(left + 2 * PanelSize + gap + 20, top + PanelSize + 50 + legendHeight);
        svg.Text(left + PanelSize + gap / 2, 22, Title, 15, "middle", "title");
        DrawPanel(svg, left, top, "loss", "loss", [("train", trainLoss), ("validation", validationLoss)], fixedUnitRange: false);
        DrawPanel(svg, left + PanelSize + gap, top, "accuracy", "accuracy", [("train", trainAccuracy), ("validation", validationAccuracy)], fixedUnitRange: true);
        var entries = new List<(string, string)> { ("train", PlotPalette.Color(0)) };
        if (validationLoss is not null || validationAccuracy is not null) entries.Add(("validation", PlotPalette.Color(1)));
        PlotLegend.Draw(svg, left, top + PanelSize + 44, entries, lineSwatch: true);
        return svg.ToString();
    }

    private void DrawPanel(SvgWriter svg, double left, double top, string title, string yLabel,
        (string Name, IReadOnlyList<double>? Values)[] series, bool fixedUnitRange)
    {
        int epochs = Math.Max(1, series.Max(s => s.Values?.Count ?? 0));
        double yMin = double.PositiveInfinity, yMax = double.NegativeInfinity;
        foreach (var (_, values) in series)
            if (values is not null)
                foreach (var v in values)
                    if (double.IsFinite(v)) { yMin = Math.Min(yMin, v); yMax = Math.Max(yMax, v); }
        if (fixedUnitRange && (double.IsInfinity(yMin) || (yMin >= 0 && yMax <= 1))) { yMin = 0; yMax = 1; }
        else (yMin, yMax) = PlotArea.PaddedRange(yMin, yMax);
        var area = new PlotArea(left, top, PanelSize, PanelSize, epochs > 1 ? 1 : 0.5, epochs > 1 ? epochs : 1.5, yMin, yMax);
        svg.BeginGroup("panel");
        area.DrawAxes(svg, title, "epoch", yLabel);
        for (int s = 0; s < series.Length; s++)
        {
            var values = series[s].Values;
            if (values is null || values.Count == 0) continue;
            var pts = new List<(double, double)>();
            for (int i = 0; i < values.Count; i++)
                if (double.IsFinite(values[i])) pts.Add((area.X(i + 1), area.Y(values[i])));
            string color = PlotPalette.Color(s);
            svg.Polyline(pts, color, 2, s == 1 ? "6 3" : null, "series");
            foreach (var (x, y) in pts) svg.Circle(x, y, 2.5, color, cssClass: "marker");
        }
        svg.EndGroup();
    }

    /// <summary>Renders (see <see cref="Render"/>) and saves to <paramref name="path"/>.</summary>
    public void Save(string path, IReadOnlyList<double> trainLoss, IReadOnlyList<double>? validationLoss = null,
        IReadOnlyList<double>? trainAccuracy = null, IReadOnlyList<double>? validationAccuracy = null)
        => SvgWriter.Save(Render(trainLoss, validationLoss, trainAccuracy, validationAccuracy), path);
}

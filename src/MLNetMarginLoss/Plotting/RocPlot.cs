using System.Globalization;
using MLNetMarginLoss.Evaluation;
using ScottPlot;

namespace MLNetMarginLoss.Plotting;

/// <summary>
/// Verification ROC curves: true-accept rate (TAR = TPR) against false-accept rate (FAR = FPR), one line per
/// curve labelled "name (AUC = 0.987)" (AUC by trapezoids, <see cref="RocCurve.Auc"/>), each curve's equal-error
/// point — where FAR equals the false-reject rate 1 − TAR, at (EER, 1 − EER) — marked and labelled
/// "EER = 0.042", and the chance line TAR = FAR (a random score) drawn dashed. The FAR axis is linear by default;
/// on the logarithmic axis (x = log₁₀ FAR) it starts at the decade at or below the smallest measurable FAR
/// (1 / number of different pairs) and points with FAR = 0 are not drawn. Tick labels are fixed-point decimals
/// throughout ("0.001", never "1e-3").
/// </summary>
public static class RocPlot
{
    /// <summary>Legend text of a curve: "name (AUC = 0.987)", with "ROC" when no name is given.</summary>
    public static string CurveLabel(string? name, double auc) =>
        string.Create(CultureInfo.InvariantCulture, $"{(string.IsNullOrEmpty(name) ? "ROC" : name)} (AUC = {auc:0.000})");

    /// <summary>The plot of one curve (see the class summary).</summary>
    public static Plot Create(RocCurve curve, string? name = null, bool logFalseAcceptRate = false, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(curve);
        return Create([(name ?? "", curve)], logFalseAcceptRate, title);
    }

    /// <summary>
    /// The plot of several named curves on one pair of axes (see the class summary). Each curve is one scatter
    /// series of its points in order: (FAR, TAR) on the linear axis, (log₁₀ FAR, TAR) for FAR &gt; 0 on the log axis.
    /// </summary>
    public static Plot Create(IReadOnlyList<(string Name, RocCurve Curve)> curves, bool logFalseAcceptRate = false, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(curves);
        if (curves.Count == 0) throw new ArgumentException("Give at least one ROC curve.", nameof(curves));
        foreach (var (_, c) in curves) ArgumentNullException.ThrowIfNull(c, nameof(curves));
        var plot = PlotTheme.NewPlot(title ?? "Verification ROC",
            logFalseAcceptRate ? "false accept rate (FAR, log scale)" : "false accept rate (FAR)", "true accept rate (TAR)");

        double minExponent = 0;
        if (logFalseAcceptRate)
        {
            int maxNegatives = curves.Max(c => c.Curve.NegativeCount);
            minExponent = Math.Min(-1, Math.Floor(Math.Log10(1.0 / maxNegatives) + 1e-9));
            plot.Axes.Bottom.TickGenerator = new LogTicks();
        }

        // Chance: TAR = FAR.
        double[] chanceX, chanceY;
        if (logFalseAcceptRate)
        {
            int n = 200;
            chanceX = Enumerable.Range(0, n + 1).Select(i => minExponent * (1 - (double)i / n)).ToArray();
            chanceY = chanceX.Select(x => Math.Pow(10, x)).ToArray();
        }
        else
        {
            chanceX = [0, 1];
            chanceY = [0, 1];
        }
        var chance = plot.Add.ScatterLine(chanceX, chanceY, Colors.Gray);
        chance.LinePattern = LinePattern.Dashed;
        chance.LineWidth = 1.5f;
        chance.LegendText = "chance (AUC = 0.500)";

        for (int s = 0; s < curves.Count; s++)
        {
            var (name, curve) = curves[s];
            var color = PlotPalette.Color(s);
            var xs = new List<double>();
            var ys = new List<double>();
            foreach (var p in curve.Points)
            {
                if (logFalseAcceptRate && !(p.FalsePositiveRate > 0)) continue;
                xs.Add(logFalseAcceptRate ? Math.Log10(p.FalsePositiveRate) : p.FalsePositiveRate);
                ys.Add(p.TruePositiveRate);
            }
            var line = plot.Add.ScatterLine(xs.ToArray(), ys.ToArray(), color);
            line.LineWidth = 2.5f;
            line.LegendText = CurveLabel(name, curve.Auc);

            double eer = curve.EqualErrorRate;
            if (!logFalseAcceptRate || eer > 0)
            {
                var marker = plot.Add.Marker(logFalseAcceptRate ? Math.Log10(eer) : eer, 1 - eer, MarkerShape.FilledDiamond, 13, color);
                marker.MarkerStyle.OutlineColor = Colors.Black;
                marker.MarkerStyle.OutlineWidth = 1;
                marker.LegendText = string.Create(CultureInfo.InvariantCulture,
                    $"{(string.IsNullOrEmpty(name) ? "" : name + ": ")}EER = {eer:0.000} (FAR = 1 − TAR)");
            }
        }

        plot.Axes.SetLimits(logFalseAcceptRate ? minExponent : -0.02, logFalseAcceptRate ? 0.02 : 1.02, -0.02, 1.02);
        // The curve leaves the lower right of a linear plot and the upper left of a logarithmic one empty.
        plot.ShowLegend(logFalseAcceptRate ? Alignment.UpperLeft : Alignment.LowerRight);
        return plot;
    }

    /// <summary>Creates the plot of one curve (see <see cref="Create(RocCurve, string?, bool, string?)"/>) and saves it (see <see cref="PlotFile"/>).</summary>
    public static string Save(string path, RocCurve curve, string? name = null, bool logFalseAcceptRate = false, string? title = null,
        int width = PlotFile.DefaultWidth, int height = PlotFile.DefaultHeight, PlotFormat? format = null)
        => PlotFile.Save(Create(curve, name, logFalseAcceptRate, title), path, width, height, format);

    /// <summary>Creates the plot of several curves (see <see cref="Create(IReadOnlyList{ValueTuple{string, RocCurve}}, bool, string?)"/>) and saves it.</summary>
    public static string Save(string path, IReadOnlyList<(string Name, RocCurve Curve)> curves, bool logFalseAcceptRate = false, string? title = null,
        int width = PlotFile.DefaultWidth, int height = PlotFile.DefaultHeight, PlotFormat? format = null)
        => PlotFile.Save(Create(curves, logFalseAcceptRate, title), path, width, height, format);
}

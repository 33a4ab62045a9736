using System.Text.RegularExpressions;
using MLNetMarginLoss.Evaluation;
using MLNetMarginLoss.Plotting;
using static MLNetMarginLoss.Tests.Plotting.PlotTestData;

namespace MLNetMarginLoss.Tests.Plotting;

[TestClass]
public sealed class RocPlotTests
{
    private static RocCurve Curve(int pairs, double separation, long seed)
    {
        var rng = new MLNetMarginLoss.Engine.SeededRandom(seed);
        var scores = new float[pairs];
        var same = new bool[pairs];
        for (int i = 0; i < pairs; i++)
        {
            same[i] = i % 4 == 0;
            scores[i] = (float)((same[i] ? separation : 0) + rng.NextGaussian());
        }
        return RocCurve.Create(scores, same);
    }

    [TestMethod]
    public void CurveSeriesHoldsTheRocPointsAndTheLegendGivesTheAuc()
    {
        var roc = Curve(400, 2, 1);
        var plot = RocPlot.Create(roc, "arcface");
        var curve = plot.GetPlottables<ScottPlot.Plottables.Scatter>().Single(s => s.LegendText.StartsWith("arcface", StringComparison.Ordinal));
        AreClose(roc.Points.Select(p => p.FalsePositiveRate).ToArray(), Xs(curve), "FAR");
        AreClose(roc.Points.Select(p => p.TruePositiveRate).ToArray(), Ys(curve), "TAR");
        Assert.AreEqual($"arcface (AUC = {roc.Auc:0.000})", curve.LegendText);
        CollectionAssert.Contains(LegendTexts(plot), $"arcface (AUC = {roc.Auc:0.000})");
        Assert.AreEqual("ROC (AUC = 0.500)", RocPlot.CurveLabel(null, 0.5));
    }

    [TestMethod]
    public void ChanceDiagonalAndEqualErrorPointAreDrawn()
    {
        var roc = Curve(400, 1.5, 2);
        var plot = RocPlot.Create(roc);
        var chance = plot.GetPlottables<ScottPlot.Plottables.Scatter>().Single(s => s.LegendText.StartsWith("chance", StringComparison.Ordinal));
        var pts = Points(chance);
        Assert.IsTrue(pts.All(p => Math.Abs(p.X - p.Y) < 1e-12), "chance line is TAR = FAR");
        Assert.AreEqual(0, pts.Min(p => p.X));
        Assert.AreEqual(1, pts.Max(p => p.X));

        var eer = plot.GetPlottables<ScottPlot.Plottables.Marker>().Single();
        Assert.AreEqual(roc.EqualErrorRate, eer.X, 1e-12);
        Assert.AreEqual(1 - roc.EqualErrorRate, eer.Y, 1e-12);
        StringAssert.Contains(eer.LegendText, $"EER = {roc.EqualErrorRate:0.000}");
        Assert.IsTrue(roc.EqualErrorRate is > 0.05 and < 0.95, "the test curve should have an EER inside the plot");
    }

    [TestMethod]
    public void LogAxisPlotsLog10FarOfThePositiveFarPointsWithDecimalTickLabels()
    {
        var roc = Curve(2000, 2.5, 3);
        var plot = RocPlot.Create([("arcface", roc), ("softmax", Curve(2000, 1.0, 4))], logFalseAcceptRate: true);
        var curve = plot.GetPlottables<ScottPlot.Plottables.Scatter>().Single(s => s.LegendText.StartsWith("arcface", StringComparison.Ordinal));
        var positive = roc.Points.Where(p => p.FalsePositiveRate > 0).ToArray();
        AreClose(positive.Select(p => Math.Log10(p.FalsePositiveRate)).ToArray(), Xs(curve), "log10 FAR");
        AreClose(positive.Select(p => p.TruePositiveRate).ToArray(), Ys(curve), "TAR");
        Assert.HasCount(2, LegendTexts(plot).Where(t => t.Contains("(AUC = ", StringComparison.Ordinal) && !t.StartsWith("chance", StringComparison.Ordinal)));

        // 1500 different pairs: the smallest measurable FAR is 1/1500, so the axis starts at 0.0001.
        var labels = MajorTickLabels(plot, plot.Axes.Bottom);
        CollectionAssert.AreEqual(new[] { "0.0001", "0.001", "0.01", "0.1", "1" }, labels);
        Assert.AreEqual(-4, plot.Axes.GetLimits().Left, 1e-9);
    }

    [TestMethod]
    public void LinearAxisTickLabelsShareOneNotation()
    {
        var plot = RocPlot.Create(Curve(300, 2, 5));
        foreach (var axis in new ScottPlot.IAxis[] { plot.Axes.Bottom, plot.Axes.Left })
        {
            var labels = MajorTickLabels(plot, axis);
            Assert.IsGreaterThanOrEqualTo(3, labels.Length);
            Assert.IsTrue(labels.All(l => Regex.IsMatch(l, @"^-?\d+(\.\d+)?$")), string.Join(" ", labels));
            Assert.AreEqual(1, labels.Select(l => l.Contains('.') ? l.Length - l.IndexOf('.') : 0).Distinct().Count(), string.Join(" ", labels));
        }
    }

    [TestMethod]
    public void AtLeastOneCurveIsNeeded()
    {
        Assert.ThrowsExactly<ArgumentException>(() => RocPlot.Create(Array.Empty<(string, RocCurve)>()));
    }
}

using MLNetMarginLoss.Evaluation;
using MLNetMarginLoss.Plotting;
using static MLNetMarginLoss.Tests.Plotting.PlotTestData;

namespace MLNetMarginLoss.Tests.Plotting;

[TestClass]
public sealed class ExplainedVariancePlotTests
{
    [TestMethod]
    public void BarsAreEachComponentsShareAndTheLineTheRunningTotal()
    {
        var (x, _) = Clusters(20, 6, 6, 8);
        var pca = Pca.Fit(x, 6);
        var plot = ExplainedVariancePlot.Create(pca);
        var bars = plot.GetPlottables<ScottPlot.Plottables.BarPlot>().Single().Bars;
        AreClose([1, 2, 3, 4, 5, 6], bars.Select(b => b.Position).ToArray(), "component numbers");
        AreClose(pca.ExplainedVarianceRatio.ToArray(), bars.Select(b => b.Value).ToArray(), "per-component share");
        var cumulative = plot.GetPlottables<ScottPlot.Plottables.Scatter>().Single();
        AreClose(pca.CumulativeExplainedVarianceRatio.ToArray(), Ys(cumulative), "cumulative share");

        int reach = pca.CumulativeExplainedVarianceRatio.ToList().FindIndex(v => v >= 0.9) + 1;
        CollectionAssert.Contains(LegendTexts(plot), $"90 % of variance: {reach} component{(reach == 1 ? "" : "s")}");
        Assert.AreEqual("principal component", plot.Axes.Bottom.Label.Text);
        Assert.AreEqual("fraction of total variance", plot.Axes.Left.Label.Text);
    }

    [TestMethod]
    public void ComponentsCanBeLimited()
    {
        var (x, _) = Clusters(10, 5, 10, 9);
        var plot = ExplainedVariancePlot.Create(Pca.Fit(x, 10), maxComponents: 4);
        Assert.HasCount(4, plot.GetPlottables<ScottPlot.Plottables.BarPlot>().Single().Bars);
        Assert.HasCount(4, Points(plot.GetPlottables<ScottPlot.Plottables.Scatter>().Single()));
    }
}

using MLNetMarginLoss.Evaluation;
using MLNetMarginLoss.Plotting;
using static MLNetMarginLoss.Tests.Plotting.PlotTestData;

namespace MLNetMarginLoss.Tests.Plotting;

[TestClass]
public sealed class PcaScatterPlotTests
{
    [TestMethod]
    public void EachClassSeriesHoldsItsRowsProjectedOnTheFirstTwoComponents()
    {
        var (x, y) = Clusters(15, 4, 8, 2);
        var plot = PcaScatterPlot.Create(x, 8, y, FourNames);
        var projected = Pca.Fit(x, 8).Project(x, 2);
        var series = plot.GetPlottables<ScottPlot.Plottables.Markers>().ToList();
        Assert.HasCount(4, series);
        for (int c = 0; c < 4; c++)
        {
            var rows = Enumerable.Range(0, y.Length).Where(i => y[i] == c).ToArray();
            AreClose(rows.Select(i => (double)projected[2 * i]).ToArray(), Xs(series[c]), $"class {c} PC1");
            AreClose(rows.Select(i => (double)projected[2 * i + 1]).ToArray(), Ys(series[c]), $"class {c} PC2");
            Assert.AreEqual(FourNames[c], series[c].LegendText);
        }
        // Class colours are distinct.
        Assert.AreEqual(4, series.Select(s => s.MarkerStyle.FillColor).Distinct().Count());
    }

    [TestMethod]
    public void LegendNamesTheClassesAndAxesGiveTheVarianceShare()
    {
        var (x, y) = Clusters(10, 3, 5, 3);
        var plot = PcaScatterPlot.Create(x, 5, y, ["cat", "dog", "bird"]);
        CollectionAssert.AreEqual(new[] { "cat", "dog", "bird" }, LegendTexts(plot));
        var ratio = Pca.Fit(x, 5).ExplainedVarianceRatio;
        Assert.AreEqual($"PC1 ({100 * ratio[0]:0.0} % of variance)", plot.Axes.Bottom.Label.Text);
        Assert.AreEqual($"PC2 ({100 * ratio[1]:0.0} % of variance)", plot.Axes.Left.Label.Text);
        Assert.IsFalse(string.IsNullOrEmpty(plot.Axes.Title.Label.Text));
    }

    [TestMethod]
    public void ClassesWithoutRowsGetNoSeries()
    {
        var (x, y) = Clusters(6, 2, 3, 4);
        for (int i = 0; i < y.Length; i++) y[i] *= 2;                 // classes 0 and 2 only
        var plot = PcaScatterPlot.Create(x, 3, y, ["a", "b", "c"]);
        CollectionAssert.AreEqual(new[] { "a", "c" }, LegendTexts(plot));
    }

    [TestMethod]
    public void MismatchedInputIsRejected()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => PcaScatterPlot.Create(new float[5], 2, [0, 1, 2]));
        StringAssert.Contains(ex.Message, "3×2 = 6");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => PcaScatterPlot.Create(new float[3], 1, [0, 1, 2]));
    }
}

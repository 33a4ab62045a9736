using MLNetMarginLoss.Evaluation;
using MLNetMarginLoss.Plotting;
using static MLNetMarginLoss.Tests.Plotting.PlotTestData;

namespace MLNetMarginLoss.Tests.Plotting;

[TestClass]
public sealed class ConfusionMatrixPlotTests
{
    private static readonly string[] Names = ["Sneaker", "Sandal", "Ankle boot"];

    private static ConfusionMatrix Matrix() => new([[8, 1, 1], [2, 6, 0], [0, 0, 0]], Names);

    [TestMethod]
    public void CellsAreRowNormalisedRatesWithActualClassesAsRows()
    {
        var plot = ConfusionMatrixPlot.Create(Matrix());
        var heatmap = plot.GetPlottables<ScottPlot.Plottables.Heatmap>().Single();
        var v = heatmap.Intensities;
        AreClose([0.8, 0.1, 0.1], [v[0, 0], v[0, 1], v[0, 2]], "row Sneaker");
        AreClose([0.25, 0.75, 0], [v[1, 0], v[1, 1], v[1, 2]], "row Sandal");
        Assert.IsTrue(double.IsNaN(v[2, 0]) && double.IsNaN(v[2, 1]) && double.IsNaN(v[2, 2]), "a class with no instances has no rates");
        // The written values match the cells: row 0 is drawn on top (y = n − 1).
        var texts = plot.GetPlottables<ScottPlot.Plottables.Text>().ToDictionary(t => (t.Location.X, t.Location.Y), t => t.LabelText);
        Assert.AreEqual("0.80", texts[(0, 2)]);
        Assert.AreEqual("0.75", texts[(1, 1)]);
        Assert.AreEqual("–", texts[(2, 0)]);
    }

    [TestMethod]
    public void CountsAreShownWhenNotNormalised()
    {
        var plot = ConfusionMatrixPlot.Create(Matrix(), normalize: false);
        var v = plot.GetPlottables<ScottPlot.Plottables.Heatmap>().Single().Intensities;
        for (int a = 0; a < 3; a++)
            for (int p = 0; p < 3; p++)
                Assert.AreEqual(Matrix().Counts[a][p], v[a, p]);
        var texts = plot.GetPlottables<ScottPlot.Plottables.Text>().ToDictionary(t => (t.Location.X, t.Location.Y), t => t.LabelText);
        Assert.AreEqual("8", texts[(0, 2)]);
    }

    [TestMethod]
    public void ClassNamesLabelBothAxes()
    {
        var plot = ConfusionMatrixPlot.Create(Matrix());
        var x = MajorTickLabels(plot, plot.Axes.Bottom);
        var y = plot.Axes.Left.TickGenerator.Ticks.Where(t => t.IsMajor).OrderByDescending(t => t.Position).Select(t => t.Label).ToArray();
        CollectionAssert.AreEqual(Names, x);
        CollectionAssert.AreEqual(Names, y, "first class on top");
        Assert.AreEqual("predicted class", plot.Axes.Bottom.Label.Text);
        Assert.AreEqual("actual class", plot.Axes.Left.Label.Text);
    }
}

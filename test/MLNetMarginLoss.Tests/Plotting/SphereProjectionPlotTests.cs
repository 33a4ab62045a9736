using MLNetMarginLoss.Plotting;
using ScottPlot;
using static MLNetMarginLoss.Tests.Plotting.PlotTestData;

namespace MLNetMarginLoss.Tests.Plotting;

[TestClass]
public sealed class SphereProjectionPlotTests
{
    [TestMethod]
    public void EachViewHoldsEveryPointOnTheUnitSphereSplitByHemisphere()
    {
        var (x, y) = Clusters(20, 4, 3, 5);
        // Spread points over both hemispheres of every view.
        for (int i = 0; i < y.Length; i++)
            if (i % 3 == 0) for (int j = 0; j < 3; j++) x[3 * i + j] = -x[3 * i + j];
        var figure = SphereProjectionPlot.Create(x, y, FourNames);
        var views = figure.GetPlots().Take(3).ToArray();
        // (right, up, depth, sign of the depth coordinate towards the viewer)
        (int R, int U, int D, int S)[] axes = [(0, 1, 2, +1), (0, 2, 1, -1), (1, 2, 0, +1)];

        for (int v = 0; v < 3; v++)
        {
            var (r, u, d, s) = axes[v];
            var markers = views[v].GetPlottables<ScottPlot.Plottables.Markers>().ToList();
            for (int c = 0; c < 4; c++)
            {
                var colour = PlotPalette.Color(c);
                var front = markers.Where(m => SameRgb(m.MarkerStyle.FillColor, colour) && m.MarkerShape == MarkerShape.FilledCircle).ToList();
                var back = markers.Where(m => SameRgb(m.MarkerStyle.LineColor, colour) && m.MarkerShape == MarkerShape.OpenCircle).ToList();
                Assert.HasCount(1, front, $"view {v} class {c}: one front series");
                Assert.HasCount(1, back, $"view {v} class {c}: one back series");
                var expectFront = new List<Coordinates>();
                var expectBack = new List<Coordinates>();
                for (int i = 0; i < y.Length; i++)
                {
                    if (y[i] != c) continue;
                    double norm = Math.Sqrt(x[3 * i] * x[3 * i] + x[3 * i + 1] * x[3 * i + 1] + x[3 * i + 2] * x[3 * i + 2]);
                    var p = new Coordinates(x[3 * i + r] / norm, x[3 * i + u] / norm);
                    (s * x[3 * i + d] >= 0 ? expectFront : expectBack).Add(p);
                }
                Assert.IsNotEmpty(expectBack, "the test data should reach the far hemisphere");
                AssertSamePoints(expectFront, Points(front[0]), $"view {v} class {c} front");
                AssertSamePoints(expectBack, Points(back[0]), $"view {v} class {c} back");
            }
            // The unit circle is the sphere's outline.
            var circle = views[v].GetPlottables<ScottPlot.Plottables.Ellipse>().Single();
            Assert.AreEqual(1.0, circle.RadiusX, 1e-12);
            Assert.AreEqual(1.0, circle.RadiusY, 1e-12);
        }
        CollectionAssert.AreEqual(new[] { "x–y, seen from +z", "x–z, seen from −y", "y–z, seen from +x" },
            views.Select(p => p.Axes.Title.Label.Text).ToArray());
        CollectionAssert.AreEqual(new[] { "x", "x", "y" }, views.Select(p => p.Axes.Bottom.Label.Text).ToArray());
        CollectionAssert.AreEqual(new[] { "y", "z", "z" }, views.Select(p => p.Axes.Left.Label.Text).ToArray());
    }

    [TestMethod]
    public void LegendNamesEveryClassAndBothHemispheres()
    {
        var (x, y) = Clusters(5, 4, 3, 6);
        var figure = SphereProjectionPlot.Create(x, y, FourNames, "A title");
        var legend = figure.GetPlots().SelectMany(LegendTexts).ToList();
        CollectionAssert.IsSubsetOf(FourNames, legend);
        Assert.IsTrue(legend.Any(t => t.StartsWith("front", StringComparison.Ordinal)), string.Join(", ", legend));
        Assert.IsTrue(legend.Any(t => t.StartsWith("back", StringComparison.Ordinal)), string.Join(", ", legend));
        Assert.AreEqual(1, figure.GetPlots().Count(p => p.Axes.Title.Label.Text == "A title"));
    }

    [TestMethod]
    public void ClassIndicesNameTheClassesWhenNoNamesAreGiven()
    {
        var (x, y) = Clusters(3, 3, 3, 7);
        var legend = SphereProjectionPlot.Create(x, y).GetPlots().SelectMany(LegendTexts).ToList();
        CollectionAssert.IsSubsetOf(new[] { "0", "1", "2" }, legend);
    }

    [TestMethod]
    public void MismatchedInputIsRejected()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => SphereProjectionPlot.Create(new float[8], [0, 1, 2]));
        StringAssert.Contains(ex.Message, "3×3 = 9");
        var names = Assert.ThrowsExactly<ArgumentException>(() => SphereProjectionPlot.Create(new float[6], [0, 2], ["a", "b"]));
        StringAssert.Contains(names.Message, "only 2 class names");
    }

    private static bool SameRgb(Color a, Color b) => a.R == b.R && a.G == b.G && a.B == b.B;

    private static void AssertSamePoints(List<Coordinates> expected, Coordinates[] actual, string message)
    {
        Assert.HasCount(expected.Count, actual, message);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.AreEqual(expected[i].X, actual[i].X, 1e-6, $"{message}: x of point {i}");
            Assert.AreEqual(expected[i].Y, actual[i].Y, 1e-6, $"{message}: y of point {i}");
        }
    }
}

using System.Globalization;
using System.Xml.Linq;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Evaluation;
using MLNetMarginLoss.Plotting;

namespace MLNetMarginLoss.Tests.Plotting;

[TestClass]
public sealed class PlotTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static XDocument Parse(string svg)
    {
        var doc = XDocument.Parse(svg);
        Assert.AreEqual(Svg + "svg", doc.Root!.Name);
        return doc;
    }

    private static int CountWithClass(XDocument doc, string element, string cssClass) =>
        doc.Descendants(Svg + element).Count(e => (string?)e.Attribute("class") == cssClass);

    private static int LegendEntries(XDocument doc) =>
        doc.Descendants(Svg + "g").Count(e => (string?)e.Attribute("class") == "legend-entry");

    private static (float[] Points, int[] Labels) Clusters(int perClass, int classes, int dim, long seed)
    {
        var rng = new SeededRandom(seed);
        var x = new float[perClass * classes * dim];
        var y = new int[perClass * classes];
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = i % classes;
            for (int j = 0; j < dim; j++) x[i * dim + j] = (j == y[i] % dim ? 3f : 0f) + 0.3f * (float)rng.NextGaussian();
        }
        return (x, y);
    }

    [TestMethod]
    public void ScatterDrawsEveryPointAndOneLegendEntryPerClass()
    {
        var (x, y) = Clusters(10, 4, 2, 1);
        var doc = Parse(new ScatterPlot { Title = "t" }.Render(x, y, ["a", "b", "c", "d"]));
        Assert.AreEqual(40, CountWithClass(doc, "circle", "point"));
        Assert.AreEqual(4, LegendEntries(doc));
        var legendTexts = doc.Descendants(Svg + "g").Where(e => (string?)e.Attribute("class") == "legend-entry")
            .Select(e => e.Element(Svg + "text")!.Value).ToArray();
        CollectionAssert.AreEqual(new[] { "a", "b", "c", "d" }, legendTexts);
        // Two classes never share a colour.
        var colours = doc.Descendants(Svg + "circle").Where(e => (string?)e.Attribute("class") == "point")
            .Select(e => (string)e.Attribute("fill")!).Distinct().Count();
        Assert.AreEqual(4, colours);
    }

    [TestMethod]
    public void PcaScatterProjectsHighDimensionalEmbeddings()
    {
        var (x, y) = Clusters(15, 3, 8, 2);
        string svg = new ScatterPlot().RenderPca(x, 8, y);
        var doc = Parse(svg);
        Assert.AreEqual(45, CountWithClass(doc, "circle", "point"));
        Assert.AreEqual(3, LegendEntries(doc));
        StringAssert.Contains(svg, "PC1 (");
    }

    [TestMethod]
    public void ProjectionPlotHasThreeViewsWithUnitCircles()
    {
        var (x, y) = Clusters(5, 3, 3, 3);
        var doc = Parse(new ProjectionPlot().Render(x, y));
        Assert.AreEqual(3 * 15, CountWithClass(doc, "circle", "point"));
        Assert.AreEqual(3, CountWithClass(doc, "circle", "unit-circle"));
        Assert.AreEqual(3, LegendEntries(doc));
        var titles = doc.Descendants(Svg + "text").Where(e => (string?)e.Attribute("class") == "title").Select(e => e.Value).ToList();
        CollectionAssert.IsSubsetOf(new[] { "x-y", "x-z", "y-z" }, titles);
        // Every point lies inside its view's unit circle (points are normalised onto the sphere).
        foreach (var view in doc.Descendants(Svg + "g").Where(e => (string?)e.Attribute("class") == "view"))
        {
            var circle = view.Elements(Svg + "circle").Single(e => (string?)e.Attribute("class") == "unit-circle");
            double cx = double.Parse((string)circle.Attribute("cx")!, CultureInfo.InvariantCulture);
            double cy = double.Parse((string)circle.Attribute("cy")!, CultureInfo.InvariantCulture);
            double r = double.Parse((string)circle.Attribute("r")!, CultureInfo.InvariantCulture);
            foreach (var p in view.Descendants(Svg + "circle").Where(e => (string?)e.Attribute("class") == "point"))
            {
                double dx = double.Parse((string)p.Attribute("cx")!, CultureInfo.InvariantCulture) - cx;
                double dy = double.Parse((string)p.Attribute("cy")!, CultureInfo.InvariantCulture) - cy;
                Assert.IsTrue(Math.Sqrt(dx * dx + dy * dy) <= r + 0.01);
            }
        }
    }

    [TestMethod]
    public void RocPlotDrawsOneCurvePerSeriesAndSkipsZeroFarOnLogAxis()
    {
        var roc = RocCurve.Create([0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.4f], [true, false, true, true, false, false]);
        var linear = Parse(new RocPlot().Render(("arcface", roc), ("softmax", roc)));
        Assert.AreEqual(2, CountWithClass(linear, "polyline", "series"));
        Assert.AreEqual(2, LegendEntries(linear));
        var firstCurve = linear.Descendants(Svg + "polyline").First(e => (string?)e.Attribute("class") == "series");
        Assert.AreEqual(roc.Points.Count, ((string)firstCurve.Attribute("points")!).Split(' ').Length);

        var log = Parse(new RocPlot { LogFalseAcceptRate = true, MinimumFalseAcceptRate = 1e-3 }.Render(("arcface", roc)));
        var logCurve = log.Descendants(Svg + "polyline").Single(e => (string?)e.Attribute("class") == "series");
        int nonZero = roc.Points.Count(p => p.FalsePositiveRate > 0);
        Assert.AreEqual(nonZero, ((string)logCurve.Attribute("points")!).Split(' ').Length);
        Assert.IsTrue(log.Descendants(Svg + "text").Any(t => t.Value == "0.001"));
    }

    [TestMethod]
    public void TrainingCurvesHaveTrainAndValidationSeries()
    {
        double[] loss = [2.0, 1.2, 0.8, 0.6], vLoss = [2.1, 1.4, 1.0, double.NaN];
        double[] acc = [0.3, 0.6, 0.75, 0.8], vAcc = [0.28, 0.55, 0.7, 0.72];
        var doc = Parse(new TrainingCurvePlot().Render(loss, vLoss, acc, vAcc));
        Assert.AreEqual(4, CountWithClass(doc, "polyline", "series"));
        Assert.AreEqual(4 + 3 + 4 + 4, CountWithClass(doc, "circle", "marker"));   // the NaN epoch is skipped
        Assert.AreEqual(2, LegendEntries(doc));
        var trainOnly = Parse(new TrainingCurvePlot().Render(loss));
        Assert.AreEqual(1, CountWithClass(trainOnly, "polyline", "series"));
        Assert.AreEqual(1, LegendEntries(trainOnly));
    }

    [TestMethod]
    public void TextIsEscapedAndNumbersAreInvariant()
    {
        var previous = CultureInfo.CurrentCulture;
        try
        {
            var comma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
            comma.NumberFormat.NumberDecimalSeparator = ",";
            CultureInfo.CurrentCulture = comma;
            var w = new SvgWriter(100.5, 50);
            w.Text(1.25, 2, "<b> & \"q\" 'a'");
            w.Circle(10.125, 20.5, 1.5, "#000");
            string svg = w.ToString();
            var doc = Parse(svg);
            Assert.AreEqual("<b> & \"q\" 'a'", doc.Descendants(Svg + "text").Single().Value);
            Assert.AreEqual("10.125", (string)doc.Descendants(Svg + "circle").Single().Attribute("cx")!);
            Assert.AreEqual("100.5", (string)doc.Root!.Attribute("width")!);
            Assert.IsFalse(svg.Contains("0,5", StringComparison.Ordinal));
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }
    }

    [TestMethod]
    public void SaveWritesTheSameDocument()
    {
        var (x, y) = Clusters(3, 2, 2, 4);
        var plot = new ScatterPlot();
        string path = Path.Combine(Path.GetTempPath(), "mlnet-margin-tests", Guid.NewGuid().ToString("N"), "scatter.svg");
        try
        {
            plot.Save(path, x, y);
            Assert.AreEqual(plot.Render(x, y), File.ReadAllText(path));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [TestMethod]
    public void MismatchedInputIsRejected()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new ScatterPlot().Render(new float[5], [0, 1, 2]));
        StringAssert.Contains(ex.Message, "Expected 3×2 = 6 coordinates");
        var names = Assert.ThrowsExactly<ArgumentException>(() => new ScatterPlot().Render(new float[4], [0, 2], ["a", "b"]));
        StringAssert.Contains(names.Message, "only 2 class names");
    }
}

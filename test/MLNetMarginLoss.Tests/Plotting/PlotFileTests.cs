using MLNetMarginLoss.Evaluation;
using MLNetMarginLoss.Plotting;
using MLNetMarginLoss.Training;
using static MLNetMarginLoss.Tests.Plotting.PlotTestData;

namespace MLNetMarginLoss.Tests.Plotting;

[TestClass]
public sealed class PlotFileTests
{
    private string _dir = "";

    [TestInitialize]
    public void MakeFolder()
    {
        _dir = Path.Combine(Path.GetTempPath(), "mlnet-margin-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TestCleanup]
    public void RemoveFolder()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static ScottPlot.Plot SmallRoc() =>
        RocPlot.Create(RocCurve.Create([0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.4f], [true, false, true, true, false, false]), "a");

    private static ScottPlot.Multiplot SmallSphere()
    {
        var (x, y) = Clusters(6, 3, 3, 11);
        return SphereProjectionPlot.Create(x, y, ["a", "b", "c"], "title");
    }

    [TestMethod]
    [DataRow(800, 600)]
    [DataRow(640, 480)]
    [DataRow(1203, 517)]
    public void PngHasTheRequestedSize(int width, int height)
    {
        string single = PlotFile.Save(SmallRoc(), Path.Combine(_dir, "roc.png"), width, height);
        Assert.AreEqual((width, height), PngSize(File.ReadAllBytes(single)));
        string multi = PlotFile.Save(SmallSphere(), Path.Combine(_dir, "sphere.png"), width, height);
        Assert.AreEqual((width, height), PngSize(File.ReadAllBytes(multi)));
    }

    [TestMethod]
    public void DefaultSizeIs800By600()
    {
        string path = RocPlot.Save(Path.Combine(_dir, "roc.png"), RocCurve.Create([0.9f, 0.1f], [true, false]));
        Assert.AreEqual((800, 600), PngSize(File.ReadAllBytes(path)));
    }

    [TestMethod]
    [DataRow(800, 600)]
    [DataRow(1000, 420)]
    public void SvgIsWellFormedWithTheRequestedSize(int width, int height)
    {
        string single = PlotFile.Save(SmallRoc(), Path.Combine(_dir, "roc.svg"), width, height);
        var (_, w1, h1) = ParseSvg(File.ReadAllBytes(single));
        Assert.AreEqual((width, height), ((int)w1, (int)h1));
        string multi = PlotFile.Save(SmallSphere(), Path.Combine(_dir, "sphere.svg"), width, height);
        var (_, w2, h2) = ParseSvg(File.ReadAllBytes(multi));
        Assert.AreEqual((width, height), ((int)w2, (int)h2));
    }

    [TestMethod]
    public void MultiPanelSvgHasAWhiteBackgroundAndNoUnfilledShapes()
    {
        // A rectangle without a fill attribute is painted black by SVG viewers.
        var (root, _, _) = ParseSvg(PlotFile.Render(SmallSphere(), 800, 600, PlotFormat.Svg));
        var rects = root.Descendants().Where(e => e.Name.LocalName == "rect" && e.Parent!.Name.LocalName != "clipPath").ToList();
        Assert.AreEqual("white", (string?)rects[0].Attribute("fill"));
        foreach (var r in rects)
            Assert.IsNotNull(r.Attribute("fill"), r.ToString());
    }

    [TestMethod]
    public void FormatComesFromTheExtensionOrTheArgument()
    {
        Assert.AreEqual(PlotFormat.Png, PlotFile.FormatOf("a/b.PNG"));
        Assert.AreEqual(PlotFormat.Svg, PlotFile.FormatOf("b.svg"));
        Assert.ThrowsExactly<ArgumentException>(() => PlotFile.FormatOf("b.jpg"));

        string noExtension = PlotFile.Save(SmallRoc(), Path.Combine(_dir, "roc"), 300, 200, PlotFormat.Svg);
        ParseSvg(File.ReadAllBytes(noExtension));
        var mismatch = Assert.ThrowsExactly<ArgumentException>(() => PlotFile.Save(SmallRoc(), Path.Combine(_dir, "roc.png"), format: PlotFormat.Svg));
        StringAssert.Contains(mismatch.Message, "roc.png");
        Assert.IsFalse(File.Exists(Path.Combine(_dir, "roc.png")));
    }

    [TestMethod]
    public void MissingFolderIsOneClearArgumentException()
    {
        string path = Path.Combine(_dir, "no-such-folder", "roc.png");
        var ex = Assert.ThrowsExactly<ArgumentException>(() => PlotFile.Save(SmallRoc(), path));
        StringAssert.Contains(ex.Message, path);
        Assert.AreEqual("path", ex.ParamName);
        Assert.IsFalse(Directory.Exists(Path.GetDirectoryName(path)));
    }

    [TestMethod]
    public void SaveReplacesAnExistingFileAndLeavesNoTemporaryFiles()
    {
        string path = Path.Combine(_dir, "training.png");
        File.WriteAllText(path, "old");
        var history = new TrainingHistory([new EpochRecord { Epoch = 0, TrainLoss = 2, TrainAccuracy = 0.5, LearningRate = 1e-3 }]);
        string written = TrainingCurvePlot.Save(path, history, width: 500, height: 400);
        Assert.AreEqual(Path.GetFullPath(path), written);
        Assert.AreEqual((500, 400), PngSize(File.ReadAllBytes(path)));
        CollectionAssert.AreEqual(new[] { "training.png" }, Directory.GetFiles(_dir).Select(Path.GetFileName).ToArray());
    }

    [TestMethod]
    public void SavedBytesAreTheRenderedImage()
    {
        var plot = SmallRoc();
        string path = PlotFile.Save(plot, Path.Combine(_dir, "roc.png"), 400, 300);
        CollectionAssert.AreEqual(PlotFile.Render(plot, 400, 300, PlotFormat.Png), File.ReadAllBytes(path));
    }

    [TestMethod]
    public void BadSizesAreRejected()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => PlotFile.Render(SmallRoc(), 0, 600, PlotFormat.Png));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => PlotFile.Save(SmallRoc(), Path.Combine(_dir, "x.png"), 800, -1));
    }
}

using MLNetMarginLoss.Data;
using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Tests.Data;

[TestClass]
public sealed class ImageFolderLoaderTests
{
    private string _root = "";

    [TestInitialize]
    public void Create() => _root = Directory.CreateTempSubdirectory("image-folder-").FullName;

    [TestCleanup]
    public void Delete() => Directory.Delete(_root, recursive: true);

    private void Write(string cls, string name, byte[] bytes)
    {
        Directory.CreateDirectory(Path.Combine(_root, cls));
        File.WriteAllBytes(Path.Combine(_root, cls, name), bytes);
    }

    private static byte[] Gray(int w, int h, int value) => TestPngEncoder.Encode(w, h, 0, 8, Enumerable.Repeat(value, w * h).ToArray());

    [TestMethod]
    public void ClassesAreSortedSubFoldersAndPixelsAreScaled()
    {
        Write("zebra", "b.png", Gray(4, 3, 255));
        Write("zebra", "a.png", Gray(4, 3, 51));
        Write("ant", "x.png", Gray(4, 3, 0));
        Write("ant", "notes.txt", "not an image"u8.ToArray());
        var data = ImageFolderLoader.Load(_root);
        CollectionAssert.AreEqual(new[] { "ant", "zebra" }, data.ClassNames.ToArray());
        CollectionAssert.AreEqual(new[] { 0, 1, 1 }, data.Labels);
        Assert.AreEqual(new TensorShape(1, 3, 4), data.FeatureShape);
        Assert.AreEqual(0f, data.Row(0)[0]);
        Assert.AreEqual(0.2f, data.Row(1)[5], 1e-6f, "zebra/a.png comes before zebra/b.png");
        Assert.AreEqual(1f, data.Row(2)[11]);
    }

    [TestMethod]
    public void ResizesAndConvertsToRgbOnRequest()
    {
        Write("a", "1.png", Gray(4, 4, 255));
        Write("b", "2.png", TestPngEncoder.Encode(2, 2, 6, 8, [.. Enumerable.Repeat(new[] { 255, 0, 0, 255 }, 4).SelectMany(p => p)]));
        var data = ImageFolderLoader.Load(_root, new ImageFolderOptions { Height = 2, Width = 3 });
        Assert.AreEqual(new TensorShape(3, 2, 3), data.FeatureShape, "an RGBA image makes the set RGB");
        Assert.IsTrue(data.Row(0).ToArray().All(v => v == 1f), "white gray → white RGB");
        var red = data.Row(1);
        Assert.AreEqual(1f, red[0]);
        Assert.AreEqual(0f, red[6], "green plane");
        var gray = ImageFolderLoader.Load(_root, new ImageFolderOptions { Height = 2, Width = 2, Channels = 1, Limit = 1 });
        Assert.AreEqual(1, gray.Count);
        Assert.AreEqual(new TensorShape(1, 2, 2), gray.FeatureShape);
    }

    [TestMethod]
    public void ProblemsNameThePath()
    {
        Write("a", "ok.png", Gray(2, 2, 1));
        Write("a", "broken.png", Gray(2, 2, 1)[..20]);
        var ex = Assert.ThrowsExactly<DataFormatException>(() => ImageFolderLoader.Load(_root));
        StringAssert.Contains(ex.Message, Path.Combine(_root, "a", "broken.png"));

        File.Delete(Path.Combine(_root, "a", "broken.png"));
        Write("b", "big.png", Gray(3, 2, 1));
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => ImageFolderLoader.Load(_root)).Message, "set a target size");

        Directory.CreateDirectory(Path.Combine(_root, "empty"));
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => ImageFolderLoader.Load(_root)).Message, "class folder 'empty' has no images");

        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => ImageFolderLoader.Load(Path.Combine(_root, "a"))).Message, "has no class sub-folders");
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => DataSources.Load(Path.Combine(_root, "nope"))).Message, "not a known data set");
    }
}

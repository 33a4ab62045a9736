using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Data;

namespace MLNetMarginLoss.Tests.Data;

[TestClass]
public sealed class ImageFolderTests
{
    private static readonly Dictionary<int, string> Classes = new() { [1] = "trouser", [7] = "sneaker", [8] = "bag" };
    private static string _root = "";
    private static List<FashionMnistImageFiles.Written> _written = [];

    [ClassInitialize]
    public static void WriteImages(TestContext _)
    {
        _root = Directory.CreateTempSubdirectory("imagefolder-").FullName;
        // 20 images per class, alternately PNG and JPEG.
        _written = FashionMnistImageFiles.Write(Path.Combine(_root, "good"), Classes, 20, jpeg: i => i % 2 == 1);
    }

    [ClassCleanup]
    public static void RemoveImages() => Directory.Delete(_root, recursive: true);

    private static string NewFolder(string name) => Directory.CreateDirectory(Path.Combine(_root, name + "-" + Guid.NewGuid().ToString("N")[..6])).FullName;

    /// <summary>The written images in the order the loader must list them: class folders sorted, then files sorted.</summary>
    private static List<FashionMnistImageFiles.Written> InListingOrder() =>
        [.. _written.OrderBy(w => w.ClassName, StringComparer.Ordinal).ThenBy(w => Path.GetFileName(w.Path), StringComparer.Ordinal)];

    [TestMethod]
    public void ListsPathsAndKeyLabelsInSortedOrder()
    {
        var view = ImageFolder.Load(new MLContext(1), Path.Combine(_root, "good"));
        var expected = InListingOrder();
        Assert.AreEqual(60L, view.GetRowCount());
        Assert.AreEqual(TextDataViewType.Instance, view.Schema["ImagePath"].Type);
        CollectionAssert.AreEqual(expected.Select(w => w.Path).ToArray(), DataViewReading.ReadStrings(view, "ImagePath"));
        CollectionAssert.AreEqual(new[] { "bag", "sneaker", "trouser" }, DataViewReading.KeyValues(view));
        string[] sorted = ["bag", "sneaker", "trouser"];
        CollectionAssert.AreEqual(expected.Select(w => (uint)Array.IndexOf(sorted, w.ClassName) + 1).ToArray(), DataViewReading.ReadKeys(view));
    }

    [TestMethod]
    public void GreyPixelsMatchTheSourceWithinJpegTolerance()
    {
        var view = ImageFolder.LoadPixels(new MLContext(1), Path.Combine(_root, "good"), 28, 28, grayscale: true);
        var type = (VectorDataViewType)view.Schema["Features"].Type;
        CollectionAssert.AreEqual(new[] { 1, 28, 28 }, type.Dimensions.ToArray(), "ExtractPixels gives a [C, H, W] type");
        Assert.IsFalse(view.Schema.GetColumnOrNull("FeaturesImage").HasValue, "the image column is dropped");
        var pixels = DataViewReading.ReadVectors(view);
        CheckAgainstSource(pixels, channels: 1);
    }

    [TestMethod]
    public void RgbPixelsAreThreeEqualPlanesOfTheGreySource()
    {
        var view = ImageFolder.LoadPixels(new MLContext(1), Path.Combine(_root, "good"), 28, 28);
        CollectionAssert.AreEqual(new[] { 3, 28, 28 }, ((VectorDataViewType)view.Schema["Features"].Type).Dimensions.ToArray());
        CheckAgainstSource(DataViewReading.ReadVectors(view), channels: 3);
    }

    [TestMethod]
    public void ResizesToTheAskedShape()
    {
        var view = ImageFolder.LoadPixels(new MLContext(1), Path.Combine(_root, "good"), 14, 21, grayscale: true);
        CollectionAssert.AreEqual(new[] { 1, 14, 21 }, ((VectorDataViewType)view.Schema["Features"].Type).Dimensions.ToArray());
        var pixels = DataViewReading.ReadVectors(view);
        Assert.AreEqual(60 * 14 * 21, pixels.Length);
        double sourceMean = _written.SelectMany(w => w.Pixels).Average(b => b / 255.0);
        Assert.IsTrue(pixels.All(float.IsFinite) && pixels.Min() >= 0 && pixels.Max() <= 1);
        Assert.AreEqual(sourceMean, pixels.Average(), 0.1, "resizing keeps the overall brightness roughly");
    }

    private static void CheckAgainstSource(float[] pixels, int channels)
    {
        var expected = InListingOrder();
        Assert.AreEqual(expected.Count * channels * 784, pixels.Length);
        double worstPng = 0, worstJpeg = 0, jpegSum = 0;
        int jpegCount = 0;
        for (int i = 0; i < expected.Count; i++)
        {
            bool jpeg = expected[i].Path.EndsWith(".jpg", StringComparison.Ordinal);
            for (int c = 0; c < channels; c++)
                for (int p = 0; p < 784; p++)
                {
                    double diff = Math.Abs(pixels[(i * channels + c) * 784 + p] - expected[i].Pixels[p] / 255.0);
                    if (jpeg) { worstJpeg = Math.Max(worstJpeg, diff); jpegSum += diff; jpegCount++; }
                    else worstPng = Math.Max(worstPng, diff);
                }
        }
        Console.WriteLine($"PNG worst {worstPng:F4}; JPEG worst {worstJpeg:F4}, mean {jpegSum / jpegCount:F4}");
        Assert.IsLessThanOrEqualTo(1e-6, worstPng, "PNG is lossless and grey stays grey");
        Assert.IsLessThan(0.01, jpegSum / jpegCount, "JPEG quality 95: small mean error (0.003 measured)");
        Assert.IsLessThan(0.1, worstJpeg, "JPEG quality 95: no pixel far off (0.031 measured)");
        Assert.IsGreaterThan(0.0, worstJpeg, "JPEG is lossy, so the comparison is not vacuous");
    }

    [TestMethod]
    public void HeadlineLabelRoundTripGivesFolderNames()
    {
        var ctx = new MLContext(1);
        var view = ImageFolder.Load(ctx, Path.Combine(_root, "good"));
        var back = ctx.Transforms.Conversion.MapValueToKey("Label").Append(ctx.Transforms.Conversion.MapKeyToValue("Name", "Label")).Fit(view).Transform(view);
        CollectionAssert.AreEqual(InListingOrder().Select(w => w.ClassName).ToArray(), DataViewReading.ReadStrings(back, "Name"));
    }

    [TestMethod]
    public void CorruptImageIsNamed()
    {
        string root = NewFolder("corrupt");
        var written = FashionMnistImageFiles.Write(root, new Dictionary<int, string> { [0] = "a", [1] = "b" }, 2, jpeg: _ => false);
        string bad = Path.Combine(root, "b", "001.png");
        File.WriteAllText(bad, "this is not an image");
        var ex = Assert.ThrowsExactly<DataFormatException>(() => ImageFolder.Load(new MLContext(1), root));
        Assert.AreEqual($"{bad}: is not a readable image: not a PNG, JPEG, BMP, GIF or WebP file.", ex.Message);

        byte[] png = File.ReadAllBytes(written[0].Path);
        File.WriteAllBytes(bad, png[..20]);
        ex = Assert.ThrowsExactly<DataFormatException>(() => ImageFolder.LoadPixels(new MLContext(1), root, 28, 28));
        Assert.AreEqual($"{bad}: is not a readable image: the file ends inside its header (truncated?).", ex.Message);

        // Cut inside the pixel data: ML.NET would read it with the rest black; verifyPixels catches it.
        File.WriteAllBytes(bad, png[..(png.Length / 2)]);
        Assert.AreEqual(4L, ImageFolder.Load(new MLContext(1), root).GetRowCount());
        ex = Assert.ThrowsExactly<DataFormatException>(() => ImageFolder.Load(new MLContext(1), root, verifyPixels: true));
        Assert.AreEqual($"{bad}: is not a readable image: the file ends before all its pixels (truncated?).", ex.Message);
    }

    [TestMethod]
    public void EmptyClassFolderWarnsAndIsLeftOutOrIsAnError()
    {
        string root = NewFolder("emptyclass");
        FashionMnistImageFiles.Write(root, new Dictionary<int, string> { [0] = "a", [1] = "c" }, 2, jpeg: _ => false);
        string empty = Directory.CreateDirectory(Path.Combine(root, "b")).FullName;
        File.WriteAllText(Path.Combine(empty, "notes.txt"), "not an image");

        var warnings = new List<string>();
        var view = ImageFolder.Load(new MLContext(1), root, warnings.Add);
        CollectionAssert.AreEqual(new[] { $"{empty}: class folder 'b' has no images (.png, .jpg, .jpeg, .bmp, .gif, .webp); it is left out." }, warnings);
        CollectionAssert.AreEqual(new[] { "a", "c" }, DataViewReading.KeyValues(view));
        CollectionAssert.AreEqual(new uint[] { 1, 1, 2, 2 }, DataViewReading.ReadKeys(view));

        var ex = Assert.ThrowsExactly<DataFormatException>(() => ImageFolder.Load(new MLContext(1), root));
        Assert.AreEqual($"{empty}: class folder 'b' has no images (.png, .jpg, .jpeg, .bmp, .gif, .webp).", ex.Message);
    }

    [TestMethod]
    public void FolderWithoutClassFoldersIsAnError()
    {
        string root = NewFolder("flat");
        File.WriteAllBytes(Path.Combine(root, "0.png"), FashionMnistImageFiles.Encode(new byte[784], 28, 28, jpeg: false));
        var ex = Assert.ThrowsExactly<DataFormatException>(() => ImageFolder.Load(new MLContext(1), root));
        Assert.AreEqual($"{root}: has no class sub-folders; expected one sub-folder of images per class (root/<class>/<image>.png).", ex.Message);

        string missing = Path.Combine(_root, "missing");
        Assert.AreEqual($"{missing}: image folder not found.", Assert.ThrowsExactly<DataFormatException>(() => ImageFolder.Load(new MLContext(1), missing)).Message);
    }
}

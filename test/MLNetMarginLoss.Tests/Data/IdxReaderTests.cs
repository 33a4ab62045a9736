using System.Buffers.Binary;
using System.IO.Compression;
using MLNetMarginLoss.Data;
using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Tests.Data;

[TestClass]
public sealed class IdxReaderTests
{
    [TestMethod]
    public void ReadsTheRealFashionMnistTrainingSplit()
    {
        var data = MLNetMarginLoss.FashionMnist.LoadDataset(limit: 1000);
        Assert.AreEqual(1000, data.Count);
        Assert.AreEqual(new TensorShape(1, 28, 28), data.FeatureShape);
        // The first ten training labels of Fashion-MNIST, as every reader of the set sees them.
        CollectionAssert.AreEqual(new[] { 9, 0, 0, 3, 0, 2, 7, 2, 5, 5 }, data.Labels!.Take(10).ToArray());
        Assert.IsTrue(data.Labels!.All(l => l is >= 0 and <= 9));
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 10).ToArray(), data.Labels!.Distinct().ToArray(), "1000 rows hold all ten classes");
        Assert.AreEqual(10, data.ClassCount);
        Assert.AreEqual("T-shirt/top", data.ClassNames[0]);
        Assert.AreEqual("Ankle boot", data.ClassNames[9]);
        Assert.AreEqual(0f, data.Features.Min());
        Assert.AreEqual(1f, data.Features.Max(), "pixel 255 maps to exactly 1");
        // Row 0 has a pixel of 217 at (14, 14) and its pixels sum to 76247 / 255.
        Assert.AreEqual(217f / 255f, data.Row(0)[14 * 28 + 14], 1e-6f);
        double sum = 0;
        foreach (float v in data.Row(0)) sum += v;
        Assert.AreEqual(76247.0 / 255.0, sum, 1e-3);
    }

    [TestMethod]
    public void ReadsTheWholeTestSplit()
    {
        var data = MLNetMarginLoss.FashionMnist.LoadDataset(test: true);
        Assert.AreEqual(10000, data.Count);
        CollectionAssert.AreEqual(new[] { 9, 2, 1, 1, 6, 1, 4, 6, 5, 7 }, data.Labels!.Take(10).ToArray());
        var perClass = data.Labels!.GroupBy(l => l).ToDictionary(g => g.Key, g => g.Count());
        Assert.IsTrue(Enumerable.Range(0, 10).All(c => perClass[c] == 1000), "the test split is balanced: 1000 per class");
    }

    [TestMethod]
    public void MissingDatasetTellsTheUserToRunSetup()
    {
        var ex = Assert.ThrowsExactly<DataFormatException>(() => MLNetMarginLoss.FashionMnist.LoadDataset(directory: Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid())));
        StringAssert.Contains(ex.Message, "build/setup.sh");
        StringAssert.Contains(ex.Message, "train-images-idx3-ubyte.gz");
    }

    [TestMethod]
    public void ReadsRawAndGzipFilesByMagicNotName()
    {
        var dir = Directory.CreateTempSubdirectory("idx-").FullName;
        try
        {
            byte[] images = Idx([3, 2, 2], [0, 255, 51, 102, 1, 2, 3, 4, 5, 6, 7, 8]);
            byte[] labels = Idx([3], [2, 0, 1]);
            File.WriteAllBytes(Path.Combine(dir, "images.gz"), images); // raw despite the name
            File.WriteAllBytes(Path.Combine(dir, "labels"), Gzip(labels)); // gzip despite the name
            var data = IdxReader.Load(Path.Combine(dir, "images.gz"), Path.Combine(dir, "labels"), limit: 2);
            Assert.AreEqual(2, data.Count);
            Assert.AreEqual(new TensorShape(1, 2, 2), data.FeatureShape);
            float[] expected = [0f, 1f, 0.2f, 0.4f, 1 / 255f, 2 / 255f, 3 / 255f, 4 / 255f];
            Assert.HasCount(expected.Length, data.Features);
            for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], data.Features[i], 1e-6f);
            CollectionAssert.AreEqual(new[] { 2, 0 }, data.Labels);

            File.WriteAllBytes(Path.Combine(dir, "short"), Idx([3, 2, 2], [1, 2, 3]));
            var ex = Assert.ThrowsExactly<DataFormatException>(() => IdxReader.Load(Path.Combine(dir, "short"), Path.Combine(dir, "labels")));
            StringAssert.Contains(ex.Message, "truncated");
            StringAssert.Contains(ex.Message, "short");

            File.WriteAllBytes(Path.Combine(dir, "two-labels"), Idx([2], [0, 1]));
            StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => IdxReader.Load(Path.Combine(dir, "images.gz"), Path.Combine(dir, "two-labels"))).Message,
                "has 2 labels but");

            File.WriteAllText(Path.Combine(dir, "text"), "hello world");
            StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => IdxReader.ReadBytes(Path.Combine(dir, "text"))).Message, "not an IDX file");
        }
        finally { Directory.Delete(dir, true); }
    }

    private static byte[] Idx(int[] dims, byte[] data)
    {
        var b = new byte[4 + 4 * dims.Length + data.Length];
        b[2] = 0x08; b[3] = (byte)dims.Length;
        for (int i = 0; i < dims.Length; i++) BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(4 + 4 * i), dims[i]);
        data.CopyTo(b, 4 + 4 * dims.Length);
        return b;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(data);
        return ms.ToArray();
    }
}

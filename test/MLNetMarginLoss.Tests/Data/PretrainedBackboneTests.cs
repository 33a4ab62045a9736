using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetMarginLoss.Tests.Data;

[TestClass]
public sealed class PretrainedBackboneTests
{
    [TestMethod]
    public void ResNet18GivesFinite512dFeaturesThatGroupFashionMnistClasses()
    {
        string root = Directory.CreateTempSubdirectory("resnet-").FullName;
        try
        {
            var classes = new Dictionary<int, string> { [1] = "trouser", [7] = "sneaker", [8] = "bag" };
            FashionMnistImageFiles.Write(root, classes, 5, jpeg: i => i % 2 == 1);
            var ctx = new MLContext(1);
            var list = ImageFolder.Load(ctx, root);
            var features = PretrainedBackbone.ResNet18(ctx).Fit(list).Transform(list);

            Console.WriteLine(string.Join(", ", features.Schema.Select(c => $"{c.Name}: {c.Type}")));
            var type = features.Schema["Features"].Type as VectorDataViewType;
            Assert.IsNotNull(type);
            Assert.AreEqual(NumberDataViewType.Single, type.ItemType);
            Assert.AreEqual(PretrainedBackbone.ResNet18FeatureSize, type.Size);
            CollectionAssert.AreEqual(new[] { 512 }, type.Dimensions.ToArray(), "a flat 512-d vector");
            CollectionAssert.AreEquivalent(new[] { "ImagePath", "Label", "Features" }, features.Schema.Select(c => c.Name).ToArray(), "intermediate columns are dropped");

            var vectors = DataViewReading.ReadVectors(features);
            var labels = DataViewReading.ReadKeys(features);
            Assert.AreEqual(15 * 512, vectors.Length);
            Assert.IsTrue(vectors.All(float.IsFinite), "finite");
            var rows = Enumerable.Range(0, 15).Select(i => vectors.AsSpan(i * 512, 512).ToArray()).ToArray();
            Assert.IsTrue(rows.All(r => r.Any(v => v != 0)), "no all-zero vector");

            double same = 0, different = 0;
            int sameCount = 0, differentCount = 0;
            for (int i = 0; i < rows.Length; i++)
                for (int j = i + 1; j < rows.Length; j++)
                {
                    double d = CosineDistance(rows[i], rows[j]);
                    if (labels[i] == labels[j]) { same += d; sameCount++; }
                    else { different += d; differentCount++; }
                }
            same /= sameCount;
            different /= differentCount;
            Console.WriteLine($"mean cosine distance: same class {same:F4}, different classes {different:F4}");
            Assert.IsLessThan(different, same, "images of one class are closer to each other than to other classes");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [TestMethod]
    public void SavedResNet18PipelineLoadsBackAndGivesTheSameFeatures()
    {
        string root = Directory.CreateTempSubdirectory("resnet-save-").FullName;
        try
        {
            FashionMnistImageFiles.Write(Path.Combine(root, "images"), new Dictionary<int, string> { [0] = "top", [9] = "boot" }, 2, jpeg: _ => false);
            var ctx = new MLContext(1);
            var list = ImageFolder.Load(ctx, Path.Combine(root, "images"));
            var model = PretrainedBackbone.ResNet18(ctx).Fit(list);
            var expected = DataViewReading.ReadVectors(model.Transform(list));

            string modelPath = Path.Combine(root, "resnet.zip");
            ctx.Model.Save(model, list.Schema, modelPath);
            var other = new MLContext(2); // a fresh context finds the flattening mapping by its contract name
            var loaded = other.Model.Load(modelPath, out _);
            CollectionAssert.AreEqual(expected, DataViewReading.ReadVectors(loaded.Transform(list)));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static double CosineDistance(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
        return 1 - dot / Math.Sqrt(na * nb);
    }
}

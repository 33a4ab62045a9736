using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Data;
using MLNetMarginLoss.Engine.Kernels;
using MLNetMarginLoss.Tests.MLNet;
using MLNetMarginLoss.Tests.Training;

namespace MLNetMarginLoss.Tests.Embeddings;

/// <summary><c>mlContext.Transforms.ExtractEmbeddings</c>: the encoder alone as an ML.NET transformer saved as built-in ones.</summary>
[TestClass]
public sealed class EmbeddingExtractorTests
{
    private static readonly Lazy<ArcFaceTransformer> LazyModel = new(() =>
    {
        var ml = new MLContext(0);
        return new ArcFaceTrainer(TestModels.SmallMlp(epochs: 1)).Fit(TestDataViews.FromDataset(ml, FashionMnist.Train(600)));
    });

    private static ArcFaceTransformer Model => LazyModel.Value;

    private static string TempPath(string name) => Path.Combine(Path.GetTempPath(), $"mlnet-margin-extract-{Guid.NewGuid():N}-{name}");

    /// <summary>The engine's embeddings of <paramref name="data"/> (batched), optionally with the mirror-image sum.</summary>
    private static float[] EngineEmbeddings(Dataset data, bool flip)
    {
        var network = Model.Network;
        var e = network.Transform(data).Embedding;
        if (!flip) return e;
        var src = data.Features;
        var mirrored = new float[src.Length];
        int w = data.FeatureShape.Width;
        for (int row = 0; row < src.Length; row += w)
            for (int x = 0; x < w; x++) mirrored[row + x] = src[row + w - 1 - x];
        var m = network.Transform(new Dataset(mirrored, data.FeatureShape)).Embedding;
        System.Numerics.Tensors.TensorPrimitives.Add(e, m, e);
        RowOps.L2NormalizeInPlace(e, network.EmbeddingSize);
        return e;
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void GivesUnitEmbeddingsOfTheEncoderWithAndWithoutFlip(bool flip)
    {
        var ml = new MLContext(0);
        var data = FashionMnist.Test(40);
        var view = TestDataViews.FromDataset(ml, data);
        var extractor = ml.Transforms.ExtractEmbeddings(Model, flipTestTimeAugmentation: flip).Fit(view);
        var output = extractor.Transform(view);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, Model.EmbeddingSize), output.Schema["Embedding"].Type);
        Assert.IsNotNull(output.Schema.GetColumnOrNull("Label"), "other columns pass through");

        var rows = output.GetColumn<float[]>("Embedding").ToArray();
        var expected = EngineEmbeddings(data, flip);
        int d = Model.EmbeddingSize;
        for (int i = 0; i < rows.Length; i++)
        {
            Assert.AreEqual(1.0, System.Numerics.Tensors.TensorPrimitives.Norm(rows[i]), 1e-5, $"row {i} is not a unit vector");
            for (int j = 0; j < d; j++) Assert.AreEqual(expected[i * d + j], rows[i][j], 2e-5f, $"row {i}, dimension {j}");
        }
        if (flip)
        {
            var plain = ml.Transforms.ExtractEmbeddings(Model).Fit(view).Transform(view).GetColumn<float[]>("Embedding").First();
            CollectionAssert.AreNotEqual(plain, rows[0], "flip augmentation changes the embedding");
        }
    }

    [TestMethod]
    public void SavedExtractorReloadsWithIdenticalOutputAndTheModelCanComeFromAFile()
    {
        var ml = new MLContext(0);
        var view = TestDataViews.FromDataset(ml, FashionMnist.Test(30));
        string modelPath = TempPath("model.zip"), extractorPath = TempPath("extractor.zip");
        try
        {
            var extractor = ml.Transforms.ExtractEmbeddings(Model, flipTestTimeAugmentation: true).Fit(view);
            var expected = extractor.Transform(view).GetColumn<float[]>("Embedding").ToArray();

            ml.Model.Save(extractor, view.Schema, extractorPath);
            var loaded = new MLContext(1).Model.Load(extractorPath, out _);
            Assert.IsNotInstanceOfType<EmbeddingTransformer>(loaded);
            var reloaded = loaded.Transform(view).GetColumn<float[]>("Embedding").ToArray();
            for (int i = 0; i < expected.Length; i++) CollectionAssert.AreEqual(expected[i], reloaded[i], $"row {i}");

            TestModels.Save(Model, modelPath);
            var fromFile = ml.Transforms.ExtractEmbeddings(modelPath, flipTestTimeAugmentation: true).Fit(view).Transform(view).GetColumn<float[]>("Embedding").ToArray();
            for (int i = 0; i < expected.Length; i++) CollectionAssert.AreEqual(expected[i], fromFile[i], $"row {i} from the saved model");
        }
        finally
        {
            File.Delete(modelPath);
            File.Delete(extractorPath);
        }
    }

    [TestMethod]
    public void CanReplaceItsInputColumnAndNameItsOutput()
    {
        var ml = new MLContext(0);
        var view = TestDataViews.FromDataset(ml, FashionMnist.Test(5));
        var expected = ml.Transforms.ExtractEmbeddings(Model).Fit(view).Transform(view).GetColumn<float[]>("Embedding").ToArray();

        var inPlace = ml.Transforms.ExtractEmbeddings(Model, outputColumnName: "Features").Fit(view).Transform(view);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, Model.EmbeddingSize), inPlace.Schema["Features"].Type);
        Assert.AreEqual(1, inPlace.Schema.Count(c => !c.IsHidden && c.Name.StartsWith("Features", StringComparison.Ordinal)), "no helper column is left");
        CollectionAssert.AreEqual(expected[0], inPlace.GetColumn<float[]>("Features").First());

        var renamed = ml.Transforms.CopyColumns("Pixels", "Features")
            .Append(ml.Transforms.ExtractEmbeddings(Model, inputColumnName: "Pixels", outputColumnName: "Vector"))
            .Fit(view).Transform(view);
        CollectionAssert.AreEqual(expected[0], renamed.GetColumn<float[]>("Vector").First());
    }

    [TestMethod]
    public void BadInputGivesOneClearArgumentException()
    {
        var ml = new MLContext(0);
        var view = TestDataViews.FromDataset(ml, FashionMnist.Test(5));
        var extractor = ml.Transforms.ExtractEmbeddings(Model, inputColumnName: "Pixels");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => extractor.Fit(view)).Message, "Pixels");

        var fitted = ml.Transforms.ExtractEmbeddings(Model).Fit(view);
        var tenValues = TestDataViews.Embeddings(ml, [new float[10]], ["a"], ["a"]);
        var wrongSize = ml.Transforms.CopyColumns("Features", "Embedding").Fit(tenValues).Transform(tenValues);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => fitted.Transform(wrongSize)).Message, "784");

        // A model trained on flat vectors has no image width to mirror.
        var train = FashionMnist.Train(200);
        var flatRows = new Dataset(train.Features, MLNetMarginLoss.Engine.TensorShape.Vector(784), train.Labels, train.ClassNames);
        var flatModel = new ArcFaceTrainer(TestModels.SmallMlp(epochs: 1)).Fit(TestDataViews.FromDataset(ml, flatRows));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ml.Transforms.ExtractEmbeddings(flatModel, flipTestTimeAugmentation: true)).Message, "mirror");
    }
}

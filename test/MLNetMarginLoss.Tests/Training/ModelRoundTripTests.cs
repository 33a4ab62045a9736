using Microsoft.ML;
using MLNetMarginLoss.Persistence;

namespace MLNetMarginLoss.Tests.Training;

/// <summary>
/// A model saved with mlContext.Model.Save and read back with <see cref="ArcFaceTransformer.Load"/> (the route to
/// fine-tuning and inspection) has bit-identical weights, the same class names, history and metrics.
/// </summary>
[TestClass]
public sealed class ModelRoundTripTests
{
    [TestMethod]
    [DataRow(HeadKind.ArcFace)]
    [DataRow(HeadKind.AdaCos)]
    [DataRow(HeadKind.SubCenter)]
    [DataRow(HeadKind.Softmax)]
    public void SavedModelReadsBackBitExactly(HeadKind head)
    {
        string path = Path.Combine(Path.GetTempPath(), $"mlnet-margin-rt-{Guid.NewGuid():N}.zip");
        try
        {
            var model = new ArcFaceTrainer(TestModels.SmallMlp(head, epochs: 1)).Fit(FashionMnist.Train(600), FashionMnist.Test(100));
            TestModels.Save(model, path);
            var loaded = ArcFaceTransformer.Load(path);
            CollectionAssert.AreEqual(TestModels.Weights(model), TestModels.Weights(loaded));
            var buffers = model.Network.Head.Buffers.SelectMany(b => b.Value).ToArray();
            CollectionAssert.AreEqual(buffers, loaded.Network.Head.Buffers.SelectMany(b => b.Value).ToArray());
            var data = FashionMnist.Test(200);
            var a = model.Network.Transform(data);
            var b = loaded.Network.Transform(data);
            CollectionAssert.AreEqual(a.Score, b.Score);
            CollectionAssert.AreEqual(a.Embedding, b.Embedding);
            CollectionAssert.AreEqual(model.ClassNames.ToArray(), loaded.ClassNames.ToArray());
            Assert.AreEqual(model.Head, loaded.Head);
            Assert.AreEqual(head, loaded.Head);
            Assert.HasCount(1, loaded.History.Epochs);
            Assert.AreEqual(model.History.Epochs[0].ValidationAccuracy, loaded.History.Epochs[0].ValidationAccuracy);
            Assert.AreEqual(model.Info.Metrics["validationAccuracy"], loaded.Info.Metrics["validationAccuracy"]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void CnnModelReadsBackBitExactly()
    {
        string path = Path.Combine(Path.GetTempPath(), $"mlnet-margin-rt-{Guid.NewGuid():N}.zip");
        try
        {
            var options = TestModels.SmallMlp(epochs: 1);
            options.Encoder = new EncoderSpec { Kind = EncoderKind.Cnn, EmbeddingSize = 16 };
            var model = new ArcFaceTrainer(options).Fit(FashionMnist.Train(300));
            TestModels.Save(model, path);
            var loaded = ArcFaceTransformer.Load(path);
            Assert.AreEqual(model.Encoder.InputShape, loaded.Encoder.InputShape);
            CollectionAssert.AreEqual(TestModels.Weights(model), TestModels.Weights(loaded));
            var data = FashionMnist.Test(20);
            CollectionAssert.AreEqual(model.Network.Transform(data).Score, loaded.Network.Transform(data).Score);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void ZipThatIsNotAModelOfThisLibraryIsRefused()
    {
        string path = Path.Combine(Path.GetTempPath(), $"mlnet-margin-rt-{Guid.NewGuid():N}.zip");
        try
        {
            var ml = new Microsoft.ML.MLContext(0);
            var data = ml.Data.LoadFromEnumerable(new[] { new { X = 1f } }.Select(r => new Row { X = r.X }));
            var foreign = ml.Transforms.CopyColumns("Y", "X").Fit(data);
            ml.Model.Save(foreign, data.Schema, path);
            var ex = Assert.ThrowsExactly<ModelFormatException>(() => ArcFaceTransformer.Load(path));
            StringAssert.Contains(ex.Message, path);
            StringAssert.Contains(ex.Message, "holds no ONNX model");
        }
        finally
        {
            File.Delete(path);
        }
    }

    private sealed class Row
    {
        public float X { get; set; }
    }
}

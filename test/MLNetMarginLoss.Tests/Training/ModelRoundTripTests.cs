using MLNetMarginLoss.Heads;
using MLNetMarginLoss.Persistence;
using MLNetMarginLoss.Training;

namespace MLNetMarginLoss.Tests.Training;

[TestClass]
public sealed class ModelRoundTripTests
{
    [TestMethod]
    [DataRow(HeadKind.ArcFace)]
    [DataRow(HeadKind.AdaCos)]
    [DataRow(HeadKind.SubCenter)]
    [DataRow(HeadKind.Softmax)]
    public void SavedModelPredictsIdentically(HeadKind head)
    {
        string path = Path.Combine(Path.GetTempPath(), $"mlnet-margin-rt-{Guid.NewGuid():N}.zip");
        try
        {
            var model = new ArcFaceTrainer(TestModels.SmallMlp(head, epochs: 1)).Fit(FashionMnist.Train(600), FashionMnist.Test(100));
            model.Save(path);
            var loaded = MarginModel.Load(path);
            var data = FashionMnist.Test(200);
            var a = model.Transform(data);
            var b = loaded.Transform(data);
            CollectionAssert.AreEqual(a.Score, b.Score);
            CollectionAssert.AreEqual(a.Embedding, b.Embedding);
            CollectionAssert.AreEqual(model.ClassNames.ToArray(), loaded.ClassNames.ToArray());
            Assert.AreEqual(model.Head.Kind, loaded.Head.Kind);
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
    public void CnnModelRoundTripsAndAcceptsFlatRows()
    {
        string path = Path.Combine(Path.GetTempPath(), $"mlnet-margin-rt-{Guid.NewGuid():N}.zip");
        try
        {
            var options = TestModels.SmallMlp(epochs: 1);
            options.Encoder = new MLNetMarginLoss.Encoders.EncoderSpec { Kind = MLNetMarginLoss.Encoders.EncoderKind.Cnn, EmbeddingSize = 16 };
            var model = new ArcFaceTrainer(options).Fit(FashionMnist.Train(300));
            model.Save(path);
            var loaded = MarginModel.Load(path);
            var data = FashionMnist.Test(20);
            var flat = new MLNetMarginLoss.Data.Dataset(data.Features, MLNetMarginLoss.Engine.TensorShape.Vector(784));
            CollectionAssert.AreEqual(model.Transform(data).Score, loaded.Transform(flat).Score);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void ArchiveThatIsNotAModelIsRefused()
    {
        string path = Path.Combine(Path.GetTempPath(), $"mlnet-margin-rt-{Guid.NewGuid():N}.zip");
        try
        {
            ModelArchive.Save(path, new System.Text.Json.Nodes.JsonObject { ["kind"] = "something-else" }, []);
            var ex = Assert.ThrowsExactly<ModelFormatException>(() => MarginModel.Load(path));
            StringAssert.Contains(ex.Message, "not a model");
        }
        finally
        {
            File.Delete(path);
        }
    }
}

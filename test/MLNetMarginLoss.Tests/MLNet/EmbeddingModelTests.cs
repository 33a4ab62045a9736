using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Onnx;
using MLNetMarginLoss.Tests.Training;

namespace MLNetMarginLoss.Tests.MLNet;

/// <summary>
/// Embedding models (SaveClassifier = false, or a head too big for one ONNX graph): Embedding only, in memory and in
/// the saved model; and classification by k-NN over the trained model's class centres, which makes the head's own
/// decision, in memory and in an app without the library.
/// </summary>
[TestClass]
public sealed class EmbeddingModelTests
{
    private static readonly Lazy<(MLContext Ml, IDataView Train, IDataView Test)> Data = new(() =>
    {
        var ml = new MLContext(0);
        return (ml, TestDataViews.FromDataset(ml, FashionMnist.Train(1000)), TestDataViews.FromDataset(ml, FashionMnist.Test(300)));
    });

    private static string TempPath(string name) => Path.Combine(Path.GetTempPath(), $"mlnet-margin-embedding-{Guid.NewGuid():N}-{name}");

    [TestMethod]
    public void SaveClassifierFalseGivesAnEmbeddingModelInMemoryAndSaved()
    {
        var (ml, train, test) = Data.Value;
        var options = TestModels.SmallMlp(epochs: 1);
        options.SaveClassifier = false;
        var model = new ArcFaceTrainer(options).Fit(train);
        Assert.IsTrue(model.IsEmbeddingModel);
        var scored = model.Transform(test);
        Assert.IsNull(scored.Schema.GetColumnOrNull("Score"));
        Assert.IsNull(scored.Schema.GetColumnOrNull("PredictedLabel"));
        var embedding = scored.GetColumn<float[]>("Embedding").ToArray();
        var engine = model.Network.Transform(FashionMnist.Test(300));
        Assert.IsLessThanOrEqualTo(1e-5f, ArcFacePipelineTests.MaxAbsDiff(embedding, ArcFacePipelineTests.Rows(engine.Embedding, model.EmbeddingSize)));

        string path = TempPath("model.zip");
        try
        {
            ml.Model.Save(model, model.InputSchema, path);
            var rows = FashionMnist.Test(300);
            var consumer = ModelConsumerProcess.Run(Enumerable.Range(0, rows.Count).Select(i => rows.Row(i).ToArray()).ToArray(), null, new ModelConsumerProcess.Options(), path).Outputs[0];
            Assert.IsFalse(consumer.HasColumn("Score"));
            Assert.IsFalse(consumer.HasColumn("PredictedLabel"));
            Assert.AreEqual(0f, ArcFacePipelineTests.MaxAbsDiff(embedding, consumer.Vectors("Embedding")), "the saved model gives the in-memory embeddings");

            var loaded = ArcFaceTransformer.Load(path);
            Assert.IsTrue(loaded.IsEmbeddingModel);
            CollectionAssert.AreEqual(model.ClassNames.ToArray(), loaded.ClassNames.ToArray());
            CollectionAssert.AreEqual(model.Network.Encoder.Network.NamedState().SelectMany(s => s.Parameter.Value).ToArray(),
                loaded.Network.Encoder.Network.NamedState().SelectMany(s => s.Parameter.Value).ToArray(), "the encoder reads back bit-exactly");
            Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.Trainers.KnnClassifier(loaded));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void AClassifierLargerThanOneOnnxGraphBecomesAnEmbeddingModel()
    {
        var network = TestNetworks.Identity(1000);
        long bytes = TestNetworks.Transformer(network).ClassifierBytes;
        using (OnnxSizeLimit.Override(bytes))
            Assert.IsFalse(TestNetworks.Transformer(network).IsEmbeddingModel, "a classifier of exactly the limit fits");
        using (OnnxSizeLimit.Override(bytes - 1))
        {
            var model = TestNetworks.Transformer(network);
            Assert.IsTrue(model.IsEmbeddingModel, "one byte less does not");
            Assert.ThrowsExactly<InvalidOperationException>(() => model.ExportOnnx(new MemoryStream()));
        }

        // Through the trainer, as a user meets it.
        var (_, train, test) = Data.Value;
        using (OnnxSizeLimit.Override(100_000))
        {
            var model = new ArcFaceTrainer(TestModels.SmallMlp(epochs: 1)).Fit(train);
            Assert.IsTrue(model.IsEmbeddingModel);
            Assert.IsNull(model.Transform(test).Schema.GetColumnOrNull("Score"));
        }
    }

    /// <summary>k-NN over a model's centres learns nothing from its input: fitting it needs no label column, like inference.</summary>
    [TestMethod]
    public void KnnOverTheClassCentresFitsOnDataWithoutLabels()
    {
        var (ml, train, _) = Data.Value;
        var model = new ArcFaceTrainer(TestModels.SmallMlp(epochs: 1)).Fit(train);
        var unlabelled = ml.ToView(FashionMnist.Test(100), withLabel: false);
        Assert.IsNull(unlabelled.Schema.GetColumnOrNull("Label"));
        var pipeline = ml.Transforms.ExtractEmbeddings(model).Append(ml.MulticlassClassification.Trainers.KnnClassifier(model)).Fit(unlabelled);
        var expected = model.Transform(unlabelled).GetColumn<uint>("PredictedLabel").ToArray();
        CollectionAssert.AreEqual(expected, pipeline.Transform(unlabelled).GetColumn<uint>("PredictedLabel").ToArray());
    }

    [TestMethod]
    [DataRow(HeadKind.ArcFace)]
    [DataRow(HeadKind.SubCenter)]
    public void KnnOverTheClassCentresPredictsTheModelsOwnClasses(HeadKind head)
    {
        var (ml, train, test) = Data.Value;
        var model = new ArcFaceTrainer(TestModels.SmallMlp(head, epochs: 2)).Fit(train);
        var centres = ml.Transforms.ExtractEmbeddings(model).Append(ml.MulticlassClassification.Trainers.KnnClassifier(model)).Fit(test);
        var knn = centres.LastTransformer;
        Assert.AreEqual(model.ClassNames.Count * (head == HeadKind.SubCenter ? 3 : 1), knn.GallerySize);
        Assert.AreEqual(1, knn.K);

        var expected = model.Transform(test).GetColumn<uint>("PredictedLabel").ToArray();
        var scored = centres.Transform(test);
        CollectionAssert.AreEqual(expected, scored.GetColumn<uint>("PredictedLabel").ToArray(), "k = 1 over the centres is the head's arg-max");
        Assert.IsGreaterThan(3, expected.Distinct().Count());
        var keyValues = default(VBuffer<ReadOnlyMemory<char>>);
        scored.Schema["PredictedLabel"].GetKeyValues(ref keyValues);
        CollectionAssert.AreEqual(model.ClassNames.ToArray(), keyValues.DenseValues().Select(v => v.ToString()).ToArray());

        string modelPath = TempPath("model.zip"), knnPath = TempPath("knn.zip");
        try
        {
            ml.Model.Save(model, model.InputSchema, modelPath);
            ml.Model.Save(centres, model.InputSchema, knnPath);
            var rows = FashionMnist.Test(300);
            var outputs = ModelConsumerProcess.Run(Enumerable.Range(0, rows.Count).Select(i => rows.Row(i).ToArray()).ToArray(), null,
                new ModelConsumerProcess.Options(), modelPath, knnPath).Outputs;
            CollectionAssert.AreEqual(expected, outputs[0].Keys("PredictedLabel"));
            CollectionAssert.AreEqual(expected, outputs[1].Keys("PredictedLabel"), "the saved k-NN over the centres predicts the model's classes");
            CollectionAssert.AreEqual(model.ClassNames.ToArray(), outputs[1].SlotNames("Score"));
        }
        finally
        {
            File.Delete(modelPath);
            File.Delete(knnPath);
        }
    }

    /// <summary>
    /// Two million classes of 512-d embeddings (4.1 GB of centres; never initialised, so the zero pages are not touched):
    /// the transformer is an embedding model that says why, its saved .zip holds the encoder only and reloads in an app
    /// without the library with the same embeddings.
    /// </summary>
    [TestMethod]
    public void TwoMillionClassesOf512DimensionsSaveAsAnEmbeddingModel()
    {
        const int classes = 2_000_000, e = 512;
        var encoder = MLNetMarginLoss.Encoders.Encoder.Build(new EncoderSpec { Kind = EncoderKind.Mlp, InputShape = MLNetMarginLoss.Engine.TensorShape.Vector(8), HiddenSizes = [], EmbeddingSize = e }, new MLNetMarginLoss.Engine.SeededRandom(1));
        var head = MLNetMarginLoss.Heads.HeadFactory.Create(HeadKind.ArcFace, e, classes, new HeadOptions { Scale = 64 });
        var names = Enumerable.Range(0, classes).Select(i => "identity" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var network = new MLNetMarginLoss.Training.TrainedNetwork(encoder, head, names, new TrainingHistory(), new ModelInfo());
        var model = TestNetworks.Transformer(network);
        Assert.IsTrue(model.IsEmbeddingModel);
        StringAssert.Contains(model.EmbeddingModelReason, "exceeds what one ONNX graph holds");
        StringAssert.Contains(model.EmbeddingModelReason, "2,000,000 class centres of 512 values");
        StringAssert.Contains(model.EmbeddingModelReason, "KnnClassifier");

        var ml = new MLContext(0);
        var random = new MLNetMarginLoss.Engine.SeededRandom(3);
        var rows = Enumerable.Range(0, 5).Select(_ => Enumerable.Range(0, 8).Select(_ => (float)random.NextGaussian()).ToArray()).ToArray();
        var view = TestNetworks.Rows(ml, rows);
        var embedding = model.Transform(view).GetColumn<float[]>("Embedding").ToArray();
        string path = TempPath("two-million.zip");
        try
        {
            ml.Model.Save(model, view.Schema, path);
            long size = new FileInfo(path).Length;
            Console.WriteLine($"2,000,000 × 512 embedding model: {size / 1e6:F1} MB saved (the class names; the centres would be {4L * classes * e / 1e9:F1} GB)");
            Assert.IsLessThan(4L * classes * e / 20, size, "the centres stay out of the saved model");
            var consumer = ModelConsumerProcess.Run(rows, null, new ModelConsumerProcess.Options(), path).Outputs[0];
            Assert.IsFalse(consumer.HasColumn("Score"));
            Assert.AreEqual(0f, ArcFacePipelineTests.MaxAbsDiff(embedding, consumer.Vectors("Embedding")));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void TheSoftmaxHeadHasNoClassCentres()
    {
        var (ml, train, _) = Data.Value;
        var model = new ArcFaceTrainer(TestModels.SmallMlp(HeadKind.Softmax, epochs: 1)).Fit(train);
        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.Trainers.KnnClassifier(model));
        StringAssert.Contains(e.Message, "not class centres");
    }
}

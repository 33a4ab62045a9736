using Microsoft.ML;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MLNetMarginLoss.Tests.Training;

namespace MLNetMarginLoss.Tests.MLNet;

/// <summary>The standalone batched ONNX export, run in ONNX Runtime against the engine, and fine-tuning from a saved model.</summary>
[TestClass]
public sealed class OnnxExportTests
{
    public static IEnumerable<object[]> Encoders =>
    [
        ["mlp-arcface", HeadKind.ArcFace, new EncoderSpec { Kind = EncoderKind.Mlp, HiddenSizes = [64], EmbeddingSize = 16, BatchNorm = true }],
        ["mlp-softmax", HeadKind.Softmax, new EncoderSpec { Kind = EncoderKind.Mlp, HiddenSizes = [64], EmbeddingSize = 16 }],
        ["mlp-subcenter", HeadKind.SubCenter, new EncoderSpec { Kind = EncoderKind.Mlp, HiddenSizes = [64], EmbeddingSize = 16 }],
        ["cnn-cosface", HeadKind.CosFace, new EncoderSpec { Kind = EncoderKind.Cnn, EmbeddingSize = 16 }],
        ["resnet-adaface", HeadKind.AdaFace, new EncoderSpec { Kind = EncoderKind.ResNet, EmbeddingSize = 16, StageWidths = [8, 16] }],
    ];

    [TestMethod]
    [DynamicData(nameof(Encoders))]
    public void BatchedExportRunsInOnnxRuntimeLikeTheEngine(string name, HeadKind head, EncoderSpec encoder)
    {
        var options = TestModels.SmallMlp(head, epochs: 1, headOptions: new HeadOptions { Scale = 16 });
        options.Encoder = encoder;
        var model = new ArcFaceTrainer(options).Fit(FashionMnist.Train(300));
        var rows = FashionMnist.Test(37);
        using var stream = new MemoryStream();
        model.ExportOnnx(stream);

        using var session = new InferenceSession(stream.ToArray());
        var input = session.InputMetadata.Single();
        Assert.AreEqual("Features", input.Key);
        int[] dims = [rows.Count, 1, 28, 28]; // the training rows' sample shape
        var tensor = new DenseTensor<float>(rows.Features, dims);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("Features", tensor)]);
        var score = results.Single(r => r.Name == "Score").AsEnumerable<float>().ToArray();
        var embedding = results.Single(r => r.Name == "Embedding").AsEnumerable<float>().ToArray();
        var index = results.Single(r => r.Name == "PredictedIndex").AsEnumerable<long>().ToArray();

        var engine = model.Network.Transform(rows);
        Assert.HasCount(engine.Score.Length, score, name);
        Assert.IsLessThanOrEqualTo(1e-5f, score.Zip(engine.Score).Max(t => Math.Abs(t.First - t.Second)), $"{name}: Score");
        Assert.IsLessThanOrEqualTo(1e-5f, embedding.Zip(engine.Embedding).Max(t => Math.Abs(t.First - t.Second)), $"{name}: Embedding");
        CollectionAssert.AreEqual(engine.PredictedLabel.Select(i => (long)i).ToArray(), index, $"{name}: PredictedIndex");
    }

    [TestMethod]
    public void MlpExportTakesFlatRows()
    {
        var options = TestModels.SmallMlp(epochs: 1);
        var flatRows = FashionMnist.Train(300);
        var flat = new MLNetMarginLoss.Data.Dataset(flatRows.Features, MLNetMarginLoss.Engine.TensorShape.Vector(784), flatRows.Labels, flatRows.ClassNames);
        var model = new ArcFaceTrainer(options).Fit(flat);
        using var stream = new MemoryStream();
        model.ExportOnnx(stream);
        using var session = new InferenceSession(stream.ToArray());
        CollectionAssert.AreEqual(new[] { -1, 784 }, session.InputMetadata["Features"].Dimensions);
        CollectionAssert.AreEqual(new[] { -1, 10 }, session.OutputMetadata["Score"].Dimensions);
        Assert.IsTrue(session.ModelMetadata.CustomMetadataMap.ContainsKey("mlnet-margin.manifest"));
    }

    [TestMethod]
    public void FineTuningStartsFromASavedModelWithFrozenLayers()
    {
        var ml = new MLContext(seed: 0);
        var toKey = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.ToView(FashionMnist.Train(800)));
        var data = toKey.Transform(ml.ToView(FashionMnist.Train(800)));
        var baseModel = new ArcFaceTrainer(TestModels.SmallMlp(HeadKind.Softmax, epochs: 1)).Fit(data);
        string path = Path.Combine(Path.GetTempPath(), $"mlnet-margin-ft-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(baseModel, data.Schema, path);
            var options = TestModels.SmallMlp(HeadKind.CosFace, epochs: 1);
            options.InitialModel = ArcFaceTransformer.Load(path);
            options.FrozenLayers = 1;
            var tuned = ml.MulticlassClassification.Trainers.CosFace(options).Fit(data);
            var before = baseModel.Network.Encoder.Network.NamedState().ToDictionary(s => s.Name, s => s.Parameter.Value);
            var after = tuned.Network.Encoder.Network.NamedState().ToDictionary(s => s.Name, s => s.Parameter.Value);
            var first = after.Keys.First(k => k.EndsWith(".weight"));
            CollectionAssert.AreEqual(before[first], after[first], "the frozen layer moved");
            var last = after.Keys.Last(k => k.EndsWith(".weight"));
            CollectionAssert.AreNotEqual(before[last], after[last], "the trainable layer did not move");
            Assert.AreEqual(HeadKind.CosFace, tuned.Head);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

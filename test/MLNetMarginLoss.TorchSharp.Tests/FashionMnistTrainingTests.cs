using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetMarginLoss.TorchBackend.Tests;

/// <summary>
/// Both backends through the real ML.NET trainer: one epoch of the MLP (ArcFace, Adam, batch 256) on 10,000
/// Fashion-MNIST rows, evaluated with ML.NET on 2,000 test rows; and the TorchSharp-trained model saved and reloaded
/// as a standard ML.NET model.
/// </summary>
[TestClass]
public sealed class FashionMnistTrainingTests
{
    private sealed record Run(double Accuracy, TransformerChain<ArcFaceTransformer> Model, IDataView Train, IDataView Test, MLContext Ml);

    private static readonly Lazy<(Run Engine, Run Torch)> Runs = new(() =>
    {
        var ml = new MLContext(seed: 0);
        var train = DataViews.ToDataView(ml, DataViews.FashionMnistTrain);
        var test = DataViews.ToDataView(ml, DataViews.FashionMnistTest);
        Run Train(TrainingBackend? backend)
        {
            var model = DataViews.Fit(ml, train, new ArcFaceTrainer(new ArcFaceTrainer.Options { MaxEpoch = 1, Backend = backend }));
            var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
            return new Run(metrics.MicroAccuracy, model, train, test, ml);
        }
        return (Train(null), Train(TestDevice.Backend()));
    });

    [TestMethod]
    public void OneEpochOfTheMlpReachesTheEnginesAccuracy()
    {
        var (engine, torch) = Runs.Value;
        Console.WriteLine($"test accuracy after one epoch: engine {engine.Accuracy:P2}, TorchSharp ({torch.Model.LastTransformer.Backend}) {torch.Accuracy:P2}");
        Assert.IsTrue(engine.Accuracy > 0.7, $"the engine learned ({engine.Accuracy:P2})");
        Assert.AreEqual(engine.Accuracy, torch.Accuracy, 0.015, "the backends reach the same accuracy within 1.5 points");
        Assert.AreEqual($"torchsharp ({TestDevice.Device.type.ToString().ToLowerInvariant()}{(TestDevice.Device.type == TorchSharp.DeviceType.CUDA ? ":" + Math.Max(0, TestDevice.Device.index) : "")})", torch.Model.LastTransformer.Backend);

        var e = engine.Model.LastTransformer.History.Epochs.Single();
        var t = torch.Model.LastTransformer.History.Epochs.Single();
        Console.WriteLine($"training loss: engine {e.TrainLoss:F4}, TorchSharp {t.TrainLoss:F4}; training accuracy: engine {e.TrainAccuracy:P2}, TorchSharp {t.TrainAccuracy:P2}");
        Assert.AreEqual(e.TrainLoss, t.TrainLoss, 0.02 * e.TrainLoss, "same start, same batches: the epoch's mean loss is close");
        Assert.AreEqual("torchsharp", torch.Model.LastTransformer.Info.TrainingOptions["backend"]);
    }

    private sealed class Scored
    {
        public float[] Score { get; set; } = [];

        public float[] Embedding { get; set; } = [];

        public uint PredictedLabel { get; set; }
    }

    [TestMethod]
    public void TheTorchSharpModelSavesAndReloadsAsAStandardMlNetModel()
    {
        var torch = Runs.Value.Torch;
        var ml = torch.Ml;
        string path = Path.Combine(Path.GetTempPath(), $"mlnm-torchsharp-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(torch.Model, torch.Train.Schema, path);
            var loaded = ml.Model.Load(path, out var schema);
            Assert.IsNotInstanceOfType<ArcFaceTransformer>(loaded, "the saved model needs none of our types");
            var expected = ml.Data.CreateEnumerable<Scored>(torch.Model.Transform(torch.Test), reuseRowObject: false).ToList();
            var actual = ml.Data.CreateEnumerable<Scored>(loaded.Transform(torch.Test), reuseRowObject: false).ToList();
            Assert.AreEqual(expected.Count, actual.Count);
            for (int i = 0; i < expected.Count; i++)
            {
                CollectionAssert.AreEqual(expected[i].Score, actual[i].Score, $"row {i} Score");
                CollectionAssert.AreEqual(expected[i].Embedding, actual[i].Embedding, $"row {i} Embedding");
                Assert.AreEqual(expected[i].PredictedLabel, actual[i].PredictedLabel, $"row {i} PredictedLabel");
            }
            var metrics = ml.MulticlassClassification.Evaluate(loaded.Transform(torch.Test));
            Assert.AreEqual(torch.Accuracy, metrics.MicroAccuracy, 1e-12, "the reloaded model evaluates the same");
        }
        finally
        {
            File.Delete(path);
        }
    }
}

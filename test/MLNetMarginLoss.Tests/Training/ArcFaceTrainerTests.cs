using MLNetMarginLoss.Data;
using MLNetMarginLoss.Encoders;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Heads;
using MLNetMarginLoss.Training;

namespace MLNetMarginLoss.Tests.Training;

[TestClass]
public sealed class ArcFaceTrainerTests
{
    [TestMethod]
    public void AugmentationChangesTrainingReproduciblyAndLeavesValidationAlone()
    {
        ArcFaceTrainer.Options Options(ImageAugmentation? augmentation)
        {
            var o = TestModels.SmallMlp(epochs: 2);
            o.Augmentation = augmentation;
            return o;
        }
        var flip = new ImageAugmentation { HorizontalFlipProbability = 0.5 };
        var plain = new ArcFaceTrainer(Options(null)).Fit(FashionMnist.Train(2000), FashionMnist.Test(500));
        var a = new ArcFaceTrainer(Options(flip)).Fit(FashionMnist.Train(2000), FashionMnist.Test(500));
        var b = new ArcFaceTrainer(Options(flip)).Fit(FashionMnist.Train(2000), FashionMnist.Test(500));
        CollectionAssert.AreEqual(TestModels.Weights(a), TestModels.Weights(b), "same seed, same augmented run");
        CollectionAssert.AreNotEqual(TestModels.Weights(plain), TestModels.Weights(a), "augmentation had no effect");
        // Measured: 0.726 plain, 0.694 with random flips (2 epochs, 2000 rows, 500 validation rows).
        Assert.IsGreaterThan(0.6, a.History.Epochs[^1].ValidationAccuracy!.Value, "augmented training still learns");

        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new ArcFaceTrainer(Options(new ImageAugmentation { EqualizeHistogram = true }))).Message, "preprocessing");
        var rows = FashionMnist.Train(100);
        var flat = new MLNetMarginLoss.Data.Dataset(rows.Features, MLNetMarginLoss.Engine.TensorShape.Vector(784), rows.Labels, rows.ClassNames);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new ArcFaceTrainer(Options(flip)).Fit(flat)).Message, "ImageShape");
    }

    [TestMethod]
    public void TrainingLossWithoutMarginComparesWithTheValidationLoss()
    {
        // NormSoftmax has no margin: its training objective is the inference loss itself.
        var plain = new ArcFaceTrainer(TestModels.SmallMlp(HeadKind.NormSoftmax, epochs: 1, headOptions: new HeadOptions { Scale = 16 })).Fit(FashionMnist.Train(600));
        var p = plain.History.Epochs[0];
        Assert.AreEqual(p.TrainLoss, p.TrainLossWithoutMargin!.Value, 1e-9);
        // ArcFace's margin makes the objective larger than the loss of the same logits without it.
        var arc = new ArcFaceTrainer(TestModels.SmallMlp(epochs: 1)).Fit(FashionMnist.Train(600), FashionMnist.Test(200));
        var a = arc.History.Epochs[0];
        Assert.IsLessThan(a.TrainLoss, a.TrainLossWithoutMargin!.Value);
        Assert.IsTrue(double.IsFinite(a.TrainLossWithoutMargin.Value) && a.TrainLossWithoutMargin > 0);
    }

    [TestMethod]
    public void MlpWithArcFaceLearnsFashionMnist()
    {
        // Issue 2's end-to-end check: the benchmark MLP (784-512-256-128) + ArcFace (s=30, m=0.5), Adam 1e-3.
        // 5000 rows, 4 epochs of 64: 0.81–0.83 on the test split across seeds 3–7, so 0.75 leaves a wide margin.
        var options = new ArcFaceTrainer.Options { MaxEpoch = 4, BatchSize = 64, Seed = 3, Threads = 2 };
        var model = new ArcFaceTrainer(options).Fit(FashionMnist.Train(5000));
        double accuracy = TestModels.Accuracy(model, FashionMnist.Test(2000));
        Assert.IsGreaterThanOrEqualTo(0.75, accuracy, $"test accuracy {accuracy:F3}");
    }

    [TestMethod]
    public void PredictionsDoNotDependOnLabels()
    {
        var model = new ArcFaceTrainer(TestModels.SmallMlp(epochs: 1)).Fit(FashionMnist.Train(1500));
        var test = FashionMnist.Test(300);
        var withLabels = model.Network.Transform(test);
        var noLabels = model.Network.Transform(test.WithoutLabels());
        var shuffled = test.Labels!.ToArray();
        new SeededRandom(9).Shuffle(shuffled.AsSpan());
        var wrongLabels = model.Network.Transform(test.WithLabels(shuffled));
        CollectionAssert.AreEqual(withLabels.Score, noLabels.Score);
        CollectionAssert.AreEqual(withLabels.Score, wrongLabels.Score);
        CollectionAssert.AreEqual(withLabels.PredictedLabel, wrongLabels.PredictedLabel);
        CollectionAssert.AreEqual(withLabels.Embedding, noLabels.Embedding);
    }

    [TestMethod]
    public void OutputColumnsAreProbabilitiesAndUnitEmbeddings()
    {
        var model = new ArcFaceTrainer(TestModels.SmallMlp(epochs: 1)).Fit(FashionMnist.Train(1000));
        var p = model.Network.Transform(FashionMnist.Test(50));
        for (int i = 0; i < p.Count; i++)
        {
            var s = p.ScoreRow(i);
            Assert.AreEqual(1.0, s.ToArray().Sum(), 1e-4);
            Assert.AreEqual(System.Numerics.Tensors.TensorPrimitives.IndexOfMax(s), p.PredictedLabel[i]);
            Assert.AreEqual(1.0, System.Numerics.Tensors.TensorPrimitives.Norm(p.EmbeddingRow(i)), 1e-4);
        }
        Assert.AreEqual("T-shirt/top", p.ClassNames[0]);
    }

    [TestMethod]
    public void SameSeedGivesIdenticalWeightsAndOtherSeedDiffers()
    {
        var data = FashionMnist.Train(800);
        var a = TestModels.Weights(new ArcFaceTrainer(TestModels.SmallMlp(epochs: 1, seed: 5)).Fit(data));
        var b = TestModels.Weights(new ArcFaceTrainer(TestModels.SmallMlp(epochs: 1, seed: 5)).Fit(data));
        var c = TestModels.Weights(new ArcFaceTrainer(TestModels.SmallMlp(epochs: 1, seed: 6)).Fit(data));
        CollectionAssert.AreEqual(a, b);
        CollectionAssert.AreNotEqual(a, c);
    }

    [TestMethod]
    public void DivergingLossStopsWithOneClearError()
    {
        var options = TestModels.SmallMlp(epochs: 2);
        options.LearningRate = 1e30f;
        options.Optimizer = OptimizerKind.Sgd;
        var ex = Assert.ThrowsExactly<TrainingDivergedException>(() => new ArcFaceTrainer(options).Fit(FashionMnist.Train(1000)));
        StringAssert.Contains(ex.Message, "epoch");
        StringAssert.Contains(ex.Message, "Lower the learning rate");
    }

    [TestMethod]
    public void ResumingFromCheckpointMatchesAnUninterruptedRun()
    {
        var data = FashionMnist.Train(600);
        var dir = Path.Combine(Path.GetTempPath(), "mlnet-margin-ckpt-" + Guid.NewGuid().ToString("N"));
        try
        {
            var straight = new ArcFaceTrainer(TestModels.SmallMlp(epochs: 3)).Fit(data);

            using var cts = new CancellationTokenSource();
            var interrupted = TestModels.SmallMlp(epochs: 3);
            interrupted.CheckpointDirectory = dir;
            interrupted.Progress = new SyncProgress(p => { if (p.EpochCompleted && p.Epoch == 1) cts.Cancel(); });
            Assert.ThrowsExactly<OperationCanceledException>(() => new ArcFaceTrainer(interrupted).Fit(data, null, cts.Token));

            var resumedOptions = TestModels.SmallMlp(epochs: 3);
            resumedOptions.CheckpointDirectory = dir;
            var epochsRun = new List<int>();
            resumedOptions.Progress = new SyncProgress(p => { if (p.EpochCompleted) epochsRun.Add(p.Epoch); });
            var resumed = new ArcFaceTrainer(resumedOptions).Fit(data);

            CollectionAssert.AreEqual(new[] { 2 }, epochsRun, "only the last epoch should run after resuming");
            Assert.HasCount(3, resumed.History.Epochs);
            CollectionAssert.AreEqual(TestModels.Weights(straight), TestModels.Weights(resumed));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void ResumingKeepsTheEarlyStoppingBestWeights()
    {
        // Validation labels are shuffled, so the validation loss rises as the model grows confident: the best epoch
        // comes before the interruption (after epoch 2) and early stopping ends the run at epoch 4 of 5.
        ArcFaceTrainer.Options Options(string? dir)
        {
            var o = TestModels.SmallMlp(epochs: 5);
            o.EarlyStoppingPatience = 3;
            o.CheckpointDirectory = dir;
            return o;
        }
        var data = FashionMnist.Train(600);
        var shuffled = FashionMnist.Test(300).Labels!.ToArray();
        new SeededRandom(11).Shuffle(shuffled.AsSpan());
        var validation = FashionMnist.Test(300).WithLabels(shuffled);
        var dir = Path.Combine(Path.GetTempPath(), "mlnet-margin-ckpt-" + Guid.NewGuid().ToString("N"));
        try
        {
            var straight = new ArcFaceTrainer(Options(null)).Fit(data, validation);
            Assert.IsLessThan(2, straight.History.SelectedEpoch, "the test needs the best epoch before the interruption");

            using var cts = new CancellationTokenSource();
            var interrupted = Options(dir);
            interrupted.Progress = new SyncProgress(p => { if (p.EpochCompleted && p.Epoch == 1) cts.Cancel(); });
            Assert.ThrowsExactly<OperationCanceledException>(() => new ArcFaceTrainer(interrupted).Fit(data, validation, cts.Token));
            var resumed = new ArcFaceTrainer(Options(dir)).Fit(data, validation);

            Assert.AreEqual(straight.History.SelectedEpoch, resumed.History.SelectedEpoch);
            Assert.AreEqual(straight.History.StoppedEarly, resumed.History.StoppedEarly);
            CollectionAssert.AreEqual(TestModels.Weights(straight), TestModels.Weights(resumed));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
        }
    }

    [TestMethod]
    public void EarlyStoppingKeepsTheBestValidationEpoch()
    {
        var options = TestModels.SmallMlp(epochs: 6);
        options.LearningRate = 0.02f; // deliberately high so validation loss turns up
        options.EarlyStoppingPatience = 1;
        var model = new ArcFaceTrainer(options).Fit(FashionMnist.Train(600), FashionMnist.Test(400));
        var h = model.History;
        double best = h.Epochs.Min(e => e.ValidationLoss!.Value);
        Assert.AreEqual(best, h.Epochs.First(e => e.Epoch == h.SelectedEpoch).ValidationLoss!.Value);
        // The returned weights are the selected epoch's: recompute its validation loss from the model.
        var p = model.Network.Transform(FashionMnist.Test(400));
        double loss = 0;
        for (int i = 0; i < p.Count; i++) loss -= Math.Log(Math.Max(1e-15, p.ScoreRow(i)[FashionMnist.Test(400).Labels![i]]));
        Assert.AreEqual(best, loss / p.Count, 1e-3);
    }

    [TestMethod]
    public void SoftmaxWarmupRunsWithoutMarginFirst()
    {
        var options = TestModels.SmallMlp(epochs: 3);
        options.SoftmaxWarmupEpochs = 1;
        var model = new ArcFaceTrainer(options).Fit(FashionMnist.Train(800));
        CollectionAssert.AreEqual(new[] { false, true, true }, model.History.Epochs.Select(e => e.MarginActive).ToArray());
    }

    [TestMethod]
    public void FineTuningKeepsFrozenLayersUnchanged()
    {
        var data = FashionMnist.Train(800);
        var baseModel = new ArcFaceTrainer(TestModels.SmallMlp(HeadKind.Softmax, epochs: 1)).Fit(data);
        var options = TestModels.SmallMlp(epochs: 1);
        options.InitialModel = baseModel;
        options.FrozenLayers = 1;
        var tuned = new ArcFaceTrainer(options).Fit(data);
        var before = baseModel.Network.Encoder.Network.NamedState().ToDictionary(s => s.Name, s => s.Parameter.Value);
        var after = tuned.Network.Encoder.Network.NamedState().ToDictionary(s => s.Name, s => s.Parameter.Value);
        var firstLinear = after.Keys.First(k => k.EndsWith(".weight"));
        CollectionAssert.AreEqual(before[firstLinear], after[firstLinear], "the frozen layer moved");
        var lastLinear = after.Keys.Last(k => k.EndsWith(".weight"));
        CollectionAssert.AreNotEqual(before[lastLinear], after[lastLinear], "the trainable layer did not move");
    }

    [TestMethod]
    public void HeadLearningRateMultiplierScalesOnlyTheHead()
    {
        // With multiplier 0 the head never moves: two runs on different data keep identical (initial) head weights,
        // while their encoders differ. With multiplier 1 the heads differ too.
        ArcFaceTrainer.Options Options(float multiplier) { var o = TestModels.SmallMlp(epochs: 1); o.HeadLearningRateMultiplier = multiplier; return o; }
        var a = new ArcFaceTrainer(Options(0)).Fit(FashionMnist.Train(600));
        var b = new ArcFaceTrainer(Options(0)).Fit(FashionMnist.Train(1200));
        CollectionAssert.AreEqual(TestModels.HeadWeight(a), TestModels.HeadWeight(b));
        CollectionAssert.AreNotEqual(TestModels.Weights(a), TestModels.Weights(b));
        var c = new ArcFaceTrainer(Options(1)).Fit(FashionMnist.Train(600));
        CollectionAssert.AreNotEqual(TestModels.HeadWeight(a), TestModels.HeadWeight(c));
    }

    [TestMethod]
    public void BadTrainingDataGivesClearErrors()
    {
        var trainer = new ArcFaceTrainer(TestModels.SmallMlp(epochs: 1));
        var noLabels = FashionMnist.Train(100).WithoutLabels();
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => trainer.Fit(noLabels)).Message, "label column");
        var oneClass = FashionMnist.Train(100).WithLabels(new int[100]);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => trainer.Fit(oneClass)).Message, "at least 2 classes");
        var features = FashionMnist.Train(100).Features.ToArray();
        features[5 * 784 + 3] = float.NaN;
        var nan = new Dataset(features, new TensorShape(1, 28, 28), FashionMnist.Train(100).Labels, FashionMnist.Train(100).ClassNames, "nan.csv");
        var msg = Assert.ThrowsExactly<ArgumentException>(() => trainer.Fit(nan)).Message;
        StringAssert.Contains(msg, "nan.csv: row 6, feature 4");
    }

    [TestMethod]
    public void InvalidOptionsAreRejected()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ArcFaceTrainer(new ArcFaceTrainer.Options { MaxEpoch = 0 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ArcFaceTrainer(new ArcFaceTrainer.Options { BatchSize = 1 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ArcFaceTrainer(new ArcFaceTrainer.Options { LearningRate = -1 }));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ArcFaceTrainer(new ArcFaceTrainer.Options { MaxEpoch = 2, SoftmaxWarmupEpochs = 2 }));
    }

    /// <summary>IProgress that calls back synchronously (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SyncProgress(Action<TrainingProgress> action) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => action(value);
    }
}

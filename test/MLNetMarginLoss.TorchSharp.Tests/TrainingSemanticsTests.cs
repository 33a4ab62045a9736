using Microsoft.ML;
using MLNetMarginLoss.Data;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Training;

namespace MLNetMarginLoss.TorchBackend.Tests;

/// <summary>
/// The options mean the same on both backends: whole training runs on a small synthetic problem give the engine's
/// history (same initial weights, shuffles, schedule, warm-up, adaptive head state, sampled margins), and the
/// run-level features (checkpoints and resume, across backends too; early stopping with the best weights; the
/// divergence guard; frozen layers; the head learning-rate multiplier; progress; cancellation; data kept on the host)
/// behave as the engine's.
/// </summary>
[TestClass]
public sealed class TrainingSemanticsTests
{
    private static readonly Lazy<Dataset> TrainSet = new(() => DataViews.Clusters(512, seed: 1));
    private static readonly Lazy<Dataset> ValidationSet = new(() => DataViews.Clusters(128, seed: 2));

    private static ArcFaceTrainer.Options Small(HeadKind head = HeadKind.ArcFace, int epochs = 3, TrainingBackend? backend = null) => new()
    {
        Head = head,
        HeadOptions = SmallHeadOptions(head),
        Encoder = new EncoderSpec { Kind = EncoderKind.Mlp, HiddenSizes = [32], EmbeddingSize = 16 },
        MaxEpoch = epochs,
        BatchSize = 64,
        LearningRate = 5e-3f,
        Seed = 3,
        Backend = backend,
    };

    /// <summary>s = 16 and a small margin, for the heads that have them.</summary>
    private static HeadOptions SmallHeadOptions(HeadKind head)
    {
        var used = MLNetMarginLoss.Heads.HeadOptionRules.UsedBy(head);
        return new HeadOptions
        {
            Scale = used.Contains(nameof(HeadOptions.Scale)) ? 16 : null,
            Margin = used.Contains(nameof(HeadOptions.Margin)) ? head switch { HeadKind.SphereFace => 2, HeadKind.CosFace or HeadKind.AdaFace => 0.2, _ => 0.3 } : null,
        };
    }

    private static (ArcFaceTransformer Model, MLContext Ml) Train(ArcFaceTrainer.Options options, Dataset? data = null, bool validation = false, CancellationToken cancellation = default)
    {
        var ml = new MLContext(seed: 0);
        var train = DataViews.ToDataView(ml, data ?? TrainSet.Value);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(train);
        if (validation) options.ValidationSet = keys.Transform(DataViews.ToDataView(ml, ValidationSet.Value));
        return (new ArcFaceTrainer(options).Fit(keys.Transform(train), cancellation), ml);
    }

    private static float[] Weights(ArcFaceTransformer model) =>
        NetworkManifest.CollectTensors(model.Network.Encoder, model.Network.Head).SelectMany(t => t.Data).ToArray();

    public static IEnumerable<object[]> Heads => Enum.GetValues<HeadKind>().Select(h => new object[] { h });

    /// <summary>Three epochs (one of softmax warm-up) with a cosine schedule and validation: the histories agree.</summary>
    [TestMethod]
    [DynamicData(nameof(Heads))]
    public void TrainingHistoryMatchesTheEngine(HeadKind head)
    {
        ArcFaceTrainer.Options Options(TrainingBackend? backend)
        {
            var o = Small(head, epochs: 3, backend);
            o.SoftmaxWarmupEpochs = 1;
            o.Schedule = ScheduleKind.Cosine;
            o.WarmupEpochs = 1;
            o.MinLearningRate = 1e-4f;
            return o;
        }
        var engine = Train(Options(null), validation: true).Model;
        var torch = Train(Options(TestDevice.Backend()), validation: true).Model;
        var e = engine.History.Epochs;
        var t = torch.History.Epochs;
        Assert.AreEqual(e.Count, t.Count);
        double worst = 0;
        for (int i = 0; i < e.Count; i++)
        {
            Assert.AreEqual(e[i].LearningRate, t[i].LearningRate, "the schedule is the engine's");
            Assert.AreEqual(e[i].MarginActive, t[i].MarginActive, "the warm-up is the engine's");
            worst = Math.Max(worst, LossDifference(e[i].TrainLoss, t[i].TrainLoss));
            worst = Math.Max(worst, LossDifference(e[i].TrainLossWithoutMargin!.Value, t[i].TrainLossWithoutMargin!.Value));
            worst = Math.Max(worst, LossDifference(e[i].ValidationLoss!.Value, t[i].ValidationLoss!.Value));
            Assert.AreEqual(e[i].TrainAccuracy, t[i].TrainAccuracy, 0.02, $"epoch {i} training accuracy");
            Assert.AreEqual(e[i].ValidationAccuracy!.Value, t[i].ValidationAccuracy!.Value, 0.02, $"epoch {i} validation accuracy");
        }
        Console.WriteLine($"{head}: max relative difference of the epoch losses {Agreement.Format(worst)}; final validation loss engine {e[^1].ValidationLoss:F5}, TorchSharp {t[^1].ValidationLoss:F5}");
        Assert.IsTrue(worst <= 1e-3, $"{head}: epoch losses differ by {worst:E2} (relative)");
        double weights = Agreement.Relative(Weights(torch), Weights(engine));
        Assert.IsTrue(weights <= 1e-2, $"{head}: final weights differ by {weights:E2} (relative to the largest)");
        Assert.IsTrue(e[^1].ValidationAccuracy > 0.9, $"{head} learned the clusters ({e[^1].ValidationAccuracy:P0})");
    }

    /// <summary>
    /// Partial FC (r = 0.25 of 120 classes, batches of 16, so every batch samples negatives): the engine and TorchSharp
    /// see the same columns (the engine head's sampler) and train the same histories and weights, with lazy and with dense
    /// updates of the unsampled centres, Adam and SGD with momentum.
    /// </summary>
    [TestMethod]
    [DataRow(SampledCentreUpdates.Lazy, OptimizerKind.Adam)]
    [DataRow(SampledCentreUpdates.Dense, OptimizerKind.Adam)]
    [DataRow(SampledCentreUpdates.Lazy, OptimizerKind.Sgd)]
    [DataRow(SampledCentreUpdates.Dense, OptimizerKind.Sgd)]
    public void PartialFcTrainingMatchesTheEngine(SampledCentreUpdates updates, OptimizerKind optimizer)
    {
        var data = DataViews.Clusters(480, features: 12, classes: 120, seed: 4, spread: 0.3f);
        ArcFaceTrainer.Options Options(TrainingBackend? backend)
        {
            var o = Small(HeadKind.ArcFace, epochs: 2, backend);
            o.SampleRate = 0.25;
            o.SampledCentreUpdates = updates;
            o.BatchSize = 16;
            o.Optimizer = optimizer;
            o.LearningRate = optimizer == OptimizerKind.Sgd ? 0.05f : 5e-3f;
            o.WeightDecay = 1e-3f;
            return o;
        }
        var engine = Train(Options(null), data).Model;
        var torch = Train(Options(TestDevice.Backend()), data).Model;
        var e = engine.History.Epochs;
        var t = torch.History.Epochs;
        double worst = 0;
        for (int i = 0; i < e.Count; i++)
        {
            worst = Math.Max(worst, LossDifference(e[i].TrainLoss, t[i].TrainLoss));
            worst = Math.Max(worst, LossDifference(e[i].TrainLossWithoutMargin!.Value, t[i].TrainLossWithoutMargin!.Value));
        }
        Assert.IsTrue(worst <= 1e-3, $"{updates} {optimizer}: epoch losses differ by {worst:E2} (relative)");
        double weights = Agreement.Relative(Weights(torch), Weights(engine));
        Assert.IsTrue(weights <= 1e-2, $"{updates} {optimizer}: final weights differ by {weights:E2} (relative to the largest)");
        Console.WriteLine($"Partial FC {updates} {optimizer}: losses {Agreement.Format(worst)}, weights {Agreement.Format(weights)}");
    }

    public static IEnumerable<object[]> OptionSets =>
    [
        ["SGD Nesterov, weight decay, step schedule", (Action<ArcFaceTrainer.Options>)(o => { o.Optimizer = OptimizerKind.Sgd; o.LearningRate = 0.05f; o.Nesterov = true; o.WeightDecay = 1e-3f; o.Schedule = ScheduleKind.Step; o.ScheduleStepEpochs = 1; o.ScheduleGamma = 0.5f; })],
        ["AdamW, multi-step schedule, head rate ×3", (Action<ArcFaceTrainer.Options>)(o => { o.Optimizer = OptimizerKind.AdamW; o.WeightDecay = 0.05f; o.Schedule = ScheduleKind.MultiStep; o.ScheduleMilestones = [1, 2]; o.HeadLearningRateMultiplier = 3; })],
        ["Adadelta, plateau schedule", (Action<ArcFaceTrainer.Options>)(o => { o.Optimizer = OptimizerKind.Adadelta; o.LearningRate = 1f; o.Schedule = ScheduleKind.ReduceOnPlateau; o.PlateauPatience = 0; o.MaxEpoch = 6; })],
        ["Adam, plateau schedule that decays", (Action<ArcFaceTrainer.Options>)(o => { o.Optimizer = OptimizerKind.Adam; o.LearningRate = 0.05f; o.Schedule = ScheduleKind.ReduceOnPlateau; o.PlateauPatience = 0; o.ScheduleGamma = 0.5f; o.MaxEpoch = 10; })],
        ["Adam, batch-norm MLP, first layer frozen", (Action<ArcFaceTrainer.Options>)(o => { o.Encoder = o.Encoder with { BatchNorm = true }; o.FrozenLayers = 1; o.WeightDecay = 1e-4f; })],
    ];

    /// <summary>Optimizers, schedules, decay, rates and frozen layers over three epochs: the histories agree.</summary>
    [TestMethod]
    [DynamicData(nameof(OptionSets))]
    public void OptimizerAndScheduleOptionsMatchTheEngine(string name, Action<ArcFaceTrainer.Options> configure)
    {
        ArcFaceTrainer.Options Options(TrainingBackend? backend)
        {
            var o = Small(HeadKind.ArcFace, epochs: 3, backend);
            configure(o);
            return o;
        }
        var e = Train(Options(null), validation: true).Model.History.Epochs;
        var t = Train(Options(TestDevice.Backend()), validation: true).Model.History.Epochs;
        double worst = 0;
        for (int i = 0; i < e.Count; i++)
        {
            Assert.AreEqual(e[i].LearningRate, t[i].LearningRate, $"{name}: epoch {i} learning rate");
            worst = Math.Max(worst, LossDifference(e[i].TrainLoss, t[i].TrainLoss));
            worst = Math.Max(worst, LossDifference(e[i].ValidationLoss!.Value, t[i].ValidationLoss!.Value));
        }
        for (int i = 0; i < e.Count; i++) Console.WriteLine($"  epoch {i}: train {e[i].TrainLoss:G6} / {t[i].TrainLoss:G6}, validation {e[i].ValidationLoss:G6} / {t[i].ValidationLoss:G6}");
        Console.WriteLine($"{name}: max relative difference of the epoch losses {Agreement.Format(worst)}; learning rates {string.Join(", ", e.Select(r => r.LearningRate.ToString("G3")))}");
        Assert.IsTrue(worst <= 1e-3, $"{name}: epoch losses differ by {worst:E2} (relative)");
        if (name.Contains("decays", StringComparison.Ordinal))
            Assert.IsTrue(e[^1].LearningRate < e[0].LearningRate, $"{name}: the plateau schedule reduced the rate (on the engine's validation losses and TorchSharp's alike)");
    }

    /// <summary>Augmented training images are drawn from the same seeded sequence on both backends: the histories agree.</summary>
    [TestMethod]
    public void AugmentationMatchesTheEngine()
    {
        var images = MLNetMarginLoss.FashionMnist.LoadDataset(limit: 512);
        ArcFaceTrainer.Options Options(TrainingBackend? backend)
        {
            var o = Small(HeadKind.ArcFace, epochs: 2, backend);
            o.Augmentation = new ImageAugmentation { HorizontalFlipProbability = 0.5, CropPadding = 2, MaxRotationDegrees = 10 };
            return o;
        }
        var e = Train(Options(null), images).Model.History.Epochs;
        var t = Train(Options(TestDevice.Backend()), images).Model.History.Epochs;
        var plain = Train(Small(HeadKind.ArcFace, epochs: 2), images).Model.History.Epochs;
        double worst = 0;
        for (int i = 0; i < e.Count; i++) worst = Math.Max(worst, LossDifference(e[i].TrainLoss, t[i].TrainLoss));
        Console.WriteLine($"augmentation: max relative difference of the epoch losses {Agreement.Format(worst)}");
        Assert.IsTrue(worst <= 1e-3, $"augmented epoch losses differ by {worst:E2} (relative)");
        Assert.AreNotEqual(plain[^1].TrainLoss, e[^1].TrainLoss, "the augmentation changed nothing");
    }

    /// <summary>
    /// Relative difference of two mean losses, relative to at least 1e-3: near-perfect predictions have per-sample
    /// losses of 1e-4 and below, which float32 softmax cross-entropy resolves only to about 1e-7 absolute.
    /// </summary>
    private static double LossDifference(double engine, double torch) => Math.Abs(engine - torch) / Math.Max(Math.Abs(engine), 1e-3);

    [TestMethod]
    public void ResumingFromACheckpointMatchesAnUninterruptedRun()
    {
        string dir = TempDirectory();
        try
        {
            var straight = Train(Small(epochs: 3, backend: TestDevice.Backend())).Model;
            using var cancel = new CancellationTokenSource();
            var interrupted = Small(epochs: 3, backend: TestDevice.Backend());
            interrupted.CheckpointDirectory = dir;
            interrupted.Progress = new SyncProgress(p => { if (p.EpochCompleted && p.Epoch == 1) cancel.Cancel(); });
            Assert.ThrowsExactly<OperationCanceledException>(() => Train(interrupted, cancellation: cancel.Token));
            var resumedOptions = Small(epochs: 3, backend: TestDevice.Backend());
            resumedOptions.CheckpointDirectory = dir;
            var resumed = Train(resumedOptions).Model;
            Assert.AreEqual(3, resumed.History.Epochs.Count);
            double diff = Agreement.Relative(Weights(resumed), Weights(straight));
            Assert.IsTrue(diff <= 1e-6, $"resumed weights differ by {diff:E2}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Checkpoints are the engine's format: a run started on one backend continues on the other.</summary>
    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void CheckpointsMoveBetweenBackends(bool engineFirst)
    {
        string dir = TempDirectory();
        try
        {
            TrainingBackend? first = engineFirst ? null : TestDevice.Backend(), second = engineFirst ? TestDevice.Backend() : null;
            var straight = Train(Small(epochs: 2, backend: second)).Model;
            // The first backend stops after epoch 0 of the same 2-epoch run (a run with MaxEpoch = 1 would be another
            // run: the default cosine schedule anneals within MaxEpoch).
            using var cancel = new CancellationTokenSource();
            EpochRecord? firstEpoch = null;
            var start = Small(epochs: 2, backend: first);
            start.CheckpointDirectory = dir;
            start.Progress = new SyncProgress(p => { if (p.EpochCompleted && p.Epoch == 0) { firstEpoch = p.Record; cancel.Cancel(); } });
            Assert.ThrowsExactly<OperationCanceledException>(() => Train(start, cancellation: cancel.Token));
            var finish = Small(epochs: 2, backend: second);
            finish.CheckpointDirectory = dir;
            var resumed = Train(finish).Model;
            Assert.AreEqual(2, resumed.History.Epochs.Count);
            Assert.IsNotNull(firstEpoch);
            Assert.AreEqual(firstEpoch, resumed.History.Epochs[0], "epoch 0 comes from the checkpoint");
            double diff = Agreement.Relative(Weights(resumed), Weights(straight));
            Assert.IsTrue(diff <= 1e-3, $"weights after resuming on the other backend differ by {diff:E2} from a run on one backend");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [TestMethod]
    public void EarlyStoppingKeepsTheBestWeights()
    {
        var options = Small(epochs: 30, backend: TestDevice.Backend());
        options.LearningRate = 0.05f;
        options.EarlyStoppingPatience = 2;
        var data = DataViews.Clusters(96, seed: 1, spread: 2.5f);
        var (model, _) = Train(options, data, validation: true);
        var history = model.History;
        var losses = history.Epochs.Select(e => e.ValidationLoss!.Value).ToList();
        int best = losses.IndexOf(losses.Min());
        Assert.IsTrue(history.StoppedEarly, $"stopped early (validation losses {string.Join(", ", losses.Select(l => l.ToString("F3")))})");
        Assert.AreEqual(best, history.SelectedEpoch);
        Assert.AreEqual(best + options.EarlyStoppingPatience + 1, history.Epochs.Count);
        // The returned weights are the best epoch's: scoring the validation set reproduces its loss.
        var scored = model.Network.Transform(ValidationSet.Value);
        double loss = 0;
        for (int i = 0; i < scored.Count; i++) loss -= Math.Log(scored.ScoreRow(i)[ValidationSet.Value.Labels![i]]);
        loss /= scored.Count;
        Assert.AreEqual(losses[best], loss, 1e-4 * losses[best]);
    }

    [TestMethod]
    public void ADivergingLossStopsWithTheEnginesError()
    {
        TrainingDivergedException Fail(TrainingBackend? backend)
        {
            var options = Small(epochs: 2, backend: backend);
            options.LearningRate = 1e30f;
            options.Optimizer = OptimizerKind.Sgd;
            return Assert.ThrowsExactly<TrainingDivergedException>(() => Train(options));
        }
        var engine = Fail(null);
        var torch = Fail(TestDevice.Backend());
        StringAssert.Contains(torch.Message, "Lower the learning rate");
        Assert.AreEqual(engine.Epoch, torch.Epoch);
        Assert.AreEqual(engine.Batch, torch.Batch, "the first batch with a non-finite loss");
    }

    [TestMethod]
    public void FrozenLayersAndAZeroHeadRateKeepTheirWeights()
    {
        var options = Small(epochs: 1, backend: TestDevice.Backend());
        options.FrozenLayers = 1;
        options.HeadLearningRateMultiplier = 0;
        var model = Train(options).Model;
        var init = new SeededRandom(options.Seed);
        var encoder = MLNetMarginLoss.Encoders.Encoder.Build(options.Encoder with { InputShape = TrainSet.Value.FeatureShape }, init.Fork());
        var head = MLNetMarginLoss.Heads.HeadFactory.Create(options.Head ?? HeadKind.ArcFace, 16, 4, options.HeadOptions);
        head.Initialize(init.Fork());
        var trained = model.Network.Encoder.Network.NamedState().ToDictionary(s => s.Name, s => s.Parameter.Value);
        foreach (var (name, p, _) in encoder.Network.NamedState())
        {
            bool frozen = name.StartsWith("1.", StringComparison.Ordinal); // layer 0 is the flatten, layer 1 the first linear layer
            Assert.AreEqual(frozen, p.Value.SequenceEqual(trained[name]), $"{name} {(frozen ? "must not" : "must")} change");
        }
        CollectionAssert.AreEqual(((MLNetMarginLoss.Heads.CosineMarginHead)head).Centers.Weight.Page(0), ((MLNetMarginLoss.Heads.CosineMarginHead)model.Network.Head).Centers.Weight.Page(0), "head rate 0: the centres stay");
    }

    /// <summary>Fine-tuning: an engine-trained model's encoder starts the TorchSharp run; with every layer frozen it is returned unchanged.</summary>
    [TestMethod]
    public void AnInitialModelStartsTheRun()
    {
        var start = Train(Small(epochs: 1)).Model;
        var options = Small(epochs: 1, backend: TestDevice.Backend());
        options.Seed = 99; // a different initialisation, which the initial model must override
        options.InitialModel = start;
        options.FrozenLayers = 2; // both linear layers of the MLP
        var tuned = Train(options).Model;
        foreach (var ((name, p, _), (_, q, _)) in start.Network.Encoder.Network.NamedState().Zip(tuned.Network.Encoder.Network.NamedState()))
            CollectionAssert.AreEqual(p.Value, q.Value, name);
        Assert.IsFalse(((MLNetMarginLoss.Heads.CosineMarginHead)start.Network.Head).Centers.Weight.Page(0).SequenceEqual(((MLNetMarginLoss.Heads.CosineMarginHead)tuned.Network.Head).Centers.Weight.Page(0)), "the head is trained afresh");
    }

    [TestMethod]
    public void ProgressIsReportedAfterEveryBatchAndEpoch()
    {
        var reports = new List<TrainingProgress>();
        var options = Small(epochs: 2, backend: TestDevice.Backend());
        options.Progress = new SyncProgress(reports.Add);
        var model = Train(options).Model;
        int batches = (512 + 63) / 64;
        Assert.AreEqual(2 * (batches + 1), reports.Count);
        var last = reports.Last(r => !r.EpochCompleted);
        Assert.AreEqual(batches, last.Batch);
        Assert.AreEqual(model.History.Epochs[^1].TrainLoss, last.Loss, 1e-9, "the running mean over the epoch equals the epoch's loss");
        Assert.IsTrue(reports.Where(r => r.EpochCompleted).All(r => r.Record is not null));
    }

    [TestMethod]
    public void BatchesGatheredOnTheHostTrainAsResidentData()
    {
        var resident = Train(Small(epochs: 2, backend: TestDevice.Backend())).Model;
        var streamed = Train(Small(epochs: 2, backend: new TorchSharpBackend(TestDevice.Name) { MaxDeviceDataBytes = 0, AllowTf32 = false })).Model;
        double diff = Agreement.Relative(Weights(streamed), Weights(resident));
        Assert.IsTrue(diff <= 1e-6, $"differ by {diff:E2}");
    }

    [TestMethod]
    public void SubCentreOutlierDroppingRuns()
    {
        var options = Small(HeadKind.SubCenter, epochs: 2, backend: TestDevice.Backend());
        options.DropOutliersAfterEpoch = 1;
        options.HeadOptions.DropThresholdDegrees = 45; // strict, so that some samples are dropped
        var reports = new List<TrainingProgress>();
        options.Progress = new SyncProgress(reports.Add);
        Train(options, DataViews.Clusters(512, seed: 1, spread: 1.5f));
        int batchesFirst = reports.First(r => !r.EpochCompleted && r.Epoch == 0).Batches;
        int batchesSecond = reports.First(r => !r.EpochCompleted && r.Epoch == 1).Batches;
        Console.WriteLine($"{batchesFirst} batches in epoch 1, {batchesSecond} in epoch 2");
        Assert.IsTrue(batchesSecond < batchesFirst && batchesSecond > 0, $"some rows were dropped after epoch 1 ({batchesFirst} → {batchesSecond} batches)");
    }

    private static string TempDirectory() => Path.Combine(Path.GetTempPath(), "mlnm-ts-ckpt-" + Guid.NewGuid().ToString("N"));

    /// <summary>Reports synchronously (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}

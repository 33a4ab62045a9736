using Microsoft.ML.Data;
using Microsoft.ML;
using MLNetMarginLoss.Data;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Losses;
using MLNetMarginLoss.Heads;
using MLNetMarginLoss.Tests.Training;
using static MLNetMarginLoss.Tests.Heads.HeadMath;

namespace MLNetMarginLoss.Tests.Heads;

/// <summary>
/// Partial FC: the sampler (positives plus uniform negatives, ascending, labels re-mapped, deterministic), the sampled
/// head against the full head (bit-identical at r = 1, equal to the full head restricted to the sampled columns at
/// r &lt; 1, exact gradients by finite differences), lazy updates of unsampled centres, accuracy at scale, and the
/// memory check before training.
/// </summary>
[TestClass]
public sealed class PartialFcTests
{
    [TestMethod]
    public void SamplerKeepsEveryPositiveAndDrawsDistinctNegativesInAscendingOrder()
    {
        var sampler = new PartialFcSampler(classCount: 1000, sampleRate: 0.05);
        Assert.AreEqual(50, sampler.SampleSize);
        sampler.Seed(new SeededRandom(1));
        int[] labels = [7, 999, 7, 3, 512];
        var columns = new int[sampler.MaxColumns(labels.Length)];
        var mapped = new int[labels.Length];
        int count = sampler.Sample(labels, columns, mapped);
        Assert.AreEqual(50, count);
        var chosen = columns[..count];
        CollectionAssert.AreEqual(chosen.Order().ToArray(), chosen, "ascending");
        Assert.AreEqual(count, chosen.Distinct().Count(), "distinct");
        for (int i = 0; i < labels.Length; i++) Assert.AreEqual(labels[i], chosen[mapped[i]], $"row {i}'s label maps to its column");

        // More positives than ⌊r·C⌋: all of them and nothing else.
        var many = Enumerable.Range(0, 80).Select(i => i * 11).ToArray();
        var manyColumns = new int[sampler.MaxColumns(many.Length)];
        count = sampler.Sample(many, manyColumns, new int[many.Length]);
        CollectionAssert.AreEqual(many, manyColumns[..count]);

        // The same generator state gives the same columns; another gives others.
        sampler.Seed(new SeededRandom(1));
        var again = new int[columns.Length];
        sampler.Sample(labels, again, new int[labels.Length]);
        CollectionAssert.AreEqual(chosen, again[..50]);
        sampler.Seed(new SeededRandom(2));
        sampler.Sample(labels, again, new int[labels.Length]);
        CollectionAssert.AreNotEqual(chosen, again[..50]);
    }

    [TestMethod]
    [DataRow(0.05)]
    [DataRow(0.8)]
    public void NegativesAreUniformOverTheOtherClasses(double rate)
    {
        const int classes = 40, draws = 4000;
        var sampler = new PartialFcSampler(classes, rate);
        sampler.Seed(new SeededRandom(5));
        int[] labels = [0, 1];
        var counts = new int[classes];
        var columns = new int[sampler.MaxColumns(2)];
        for (int d = 0; d < draws; d++)
        {
            int count = sampler.Sample(labels, columns, new int[2]);
            foreach (var c in columns[..count]) counts[c]++;
        }
        Assert.AreEqual(draws, counts[0]);
        Assert.AreEqual(draws, counts[1]);
        double expected = draws * (double)(sampler.SampleSize - 2) / (classes - 2);
        for (int c = 2; c < classes; c++)
            Assert.IsTrue(Math.Abs(counts[c] - expected) < 5 * Math.Sqrt(expected) + 1, $"class {c} drawn {counts[c]} times, expected about {expected:F0}");
    }

    private static (Tensor X, int[] Labels) Batch(int rows, int e, int classes, int seed)
    {
        var random = new SeededRandom(seed);
        var x = new float[rows * e];
        for (int i = 0; i < x.Length; i++) x[i] = (float)random.NextGaussian();
        var labels = Enumerable.Range(0, rows).Select(_ => random.NextInt(classes)).ToArray();
        return (Tensor.FromRows(x, rows), labels);
    }

    public static IEnumerable<object[]> Heads =>
    [
        [HeadKind.ArcFace, new HeadOptions { Scale = 8 }],
        [HeadKind.CosFace, new HeadOptions { Scale = 8, SubCenters = 2 }],
        [HeadKind.SubCenter, new HeadOptions { Scale = 8 }],
        [HeadKind.Curricular, new HeadOptions { Scale = 8 }],
        [HeadKind.MagFace, new HeadOptions { Scale = 8, LowerNorm = 0.5, UpperNorm = 4 }],
        [HeadKind.SphereFace, new HeadOptions { Scale = 8, Margin = 2 }],
        [HeadKind.Combined, new HeadOptions { Scale = 8 }],
    ];

    /// <summary>r = 1 through the sampler (gathered rows) gives exactly the full head's numbers (all rows in place).</summary>
    [TestMethod]
    [DynamicData(nameof(Heads))]
    public void RateOneThroughTheSamplerIsBitIdenticalToTheFullHead(HeadKind kind, HeadOptions options)
    {
        const int e = 6, c = 9, n = 12;
        var (x, labels) = Batch(n, e, c, seed: 3);
        var full = (CosineMarginHead)HeadFactory.Create(kind, e, c, options);
        var sampled = (CosineMarginHead)HeadFactory.Create(kind, e, c, options);
        full.Initialize(new SeededRandom(4));
        sampled.Initialize(new SeededRandom(4));
        sampled.Sampler = new PartialFcSampler(c, 1.0);
        sampled.SeedRandomness(new SeededRandom(5));
        full.SeedRandomness(new SeededRandom(5));
        var ce = new SoftmaxCrossEntropy();
        for (int pass = 0; pass < 2; pass++)
        {
            var a = full.Forward(x, labels, training: true).Span.ToArray();
            var b = sampled.Forward(x, labels, training: true).Span.ToArray();
            CollectionAssert.AreEqual(a, b, $"{kind} pass {pass} logits");
            CollectionAssert.AreEqual(labels, sampled.ColumnLabels.ToArray());
            ce.Forward(Tensor.FromRows(a, n), labels);
            var dxFull = full.Backward(ce.Gradient).Span.ToArray();
            var dxSampled = sampled.Backward(ce.Gradient).Span.ToArray();
            CollectionAssert.AreEqual(dxFull, dxSampled, $"{kind} pass {pass} ∂x");
            Assert.IsTrue(full.Centers.GradientIsFull && !sampled.Centers.GradientIsFull);
            CollectionAssert.AreEqual(full.WeightGradient(), sampled.WeightGradient(), $"{kind} pass {pass} ∂W");
        }
    }

    /// <summary>
    /// r &lt; 1: the sampled head's logits, loss, ∂x and centre gradients are those of a full head holding only the sampled
    /// classes' centres, with the labels re-mapped; every other centre gets no gradient.
    /// </summary>
    [TestMethod]
    [DynamicData(nameof(Heads))]
    public void SampledHeadIsTheFullHeadRestrictedToItsColumns(HeadKind kind, HeadOptions options)
    {
        const int e = 6, c = 60, n = 8;
        var (x, labels) = Batch(n, e, c, seed: 7);
        var sampled = (CosineMarginHead)HeadFactory.Create(kind, e, c, options);
        sampled.Initialize(new SeededRandom(8));
        sampled.Sampler = new PartialFcSampler(c, 0.2);
        sampled.SeedRandomness(new SeededRandom(9));
        var logits = sampled.Forward(x, labels, training: true);
        int s = logits.RowSize, k = sampled.SubCenters;
        Assert.IsTrue(s >= 12 && s < c, $"{s} columns of {c}");
        var mapped = sampled.ColumnLabels.ToArray();
        var columns = sampled.ColumnClasses.ToArray();
        Assert.AreEqual(s, columns.Length);

        // The same classes, in the same order, as a full head of S classes.
        var restricted = (CosineMarginHead)HeadFactory.Create(kind, e, s, options);
        for (int j = 0; j < s; j++)
            for (int q = 0; q < k; q++)
                sampled.Centers.Weight.Row((long)columns[j] * k + q).CopyTo(restricted.Centers.Weight.Row((long)j * k + q));
        var expected = restricted.Forward(x, mapped, training: true);
        CollectionAssert.AreEqual(expected.Span.ToArray(), logits.Span.ToArray(), $"{kind} logits");

        var ce = new SoftmaxCrossEntropy();
        double loss = ce.Forward(logits, mapped);
        var gradient = ce.Gradient.Clone();
        var dxSampled = sampled.Backward(gradient).Span.ToArray();
        Assert.AreEqual(loss, new SoftmaxCrossEntropy().Forward(expected, mapped), 0, "loss");
        var dxRestricted = restricted.Backward(gradient).Span.ToArray();
        CollectionAssert.AreEqual(dxRestricted, dxSampled, $"{kind} ∂x");
        var dense = sampled.WeightGradient();
        var restrictedDense = restricted.WeightGradient();
        for (int j = 0; j < s; j++)
            for (int q = 0; q < k; q++)
                CollectionAssert.AreEqual(restrictedDense.AsSpan((j * k + q) * e, e).ToArray(), dense.AsSpan((columns[j] * k + q) * e, e).ToArray(), $"{kind} ∂W of column {j}");
        var sampledRows = new HashSet<long>(sampled.Centers.GradientRows.ToArray());
        for (int r = 0; r < c * k; r++)
            if (!sampledRows.Contains(r)) Assert.IsTrue(dense.AsSpan(r * e, e).ToArray().All(v => v == 0), $"unsampled centre {r} has no gradient");
    }

    /// <summary>Finite differences through the sampled path: exact gradients for x and every centre (zero for unsampled ones).</summary>
    [TestMethod]
    [DynamicData(nameof(Heads))]
    public void SampledGradientsMatchFiniteDifferences(HeadKind kind, HeadOptions options)
    {
        const int e = 4, c = 20, n = 5;
        var (x, labels) = Batch(n, e, c, seed: 21);
        var head = (CosineMarginHead)HeadFactory.Create(kind, e, c, options);
        head.Initialize(new SeededRandom(22));
        head.Sampler = new PartialFcSampler(c, 0.3);
        var result = GradientChecker.Check(head, x.Span.ToArray(), n, labels,
            beforeForward: h => ((CosineMarginHead)h).Sampler!.Seed(new SeededRandom(23)),
            labelsOfLogits: h => h.ColumnLabels.ToArray());
        Assert.IsTrue(result.Passed, $"{kind}: {result}");
    }

    /// <summary>A trainer step with r &lt; 1 moves exactly the sampled centres; the others keep their values.</summary>
    [TestMethod]
    public void UnsampledCentresKeepTheirValues()
    {
        var data = SyntheticClasses.Create(classes: 400, samplesPerClass: 2, dimensions: 8, noise: 0.3, seed: 1);
        var first = data.Select(Enumerable.Range(0, 64).ToArray()); // classes 0–31 only
        var options = new ArcFaceTrainer.Options
        {
            Encoder = new EncoderSpec { Kind = EncoderKind.Mlp, HiddenSizes = [16], EmbeddingSize = 8 },
            HeadOptions = new HeadOptions { Scale = 16 }, SampleRate = 0.1, MaxEpoch = 1, BatchSize = 64, Threads = 1,
        };
        var full = new Dataset(first.Features, first.FeatureShape, first.Labels, data.ClassNames, "first 32 classes of 400");
        var trained = new ArcFaceTrainer(options).Fit(full);
        var init = HeadFactory.Create(HeadKind.ArcFace, 8, 400, options.HeadOptions);
        var seed = new SeededRandom(options.Seed);
        seed.Fork(); // the encoder's draw
        init.Initialize(seed.Fork());
        var before = init.WeightValues();
        var after = ((CosineMarginHead)trained.Network.Head).Centers.Weight.Page(0);
        int moved = 0;
        for (int r = 0; r < 400; r++)
        {
            bool same = before.AsSpan(r * 8, 8).SequenceEqual(after.AsSpan(r * 8, 8));
            if (r < 32) Assert.IsFalse(same, $"positive class {r} must move");
            else if (!same) moved++;
        }
        Assert.AreEqual(40 - 32, moved, "one batch of 64 rows over 32 classes samples ⌊0.1·400⌋ = 40 columns: 8 negatives move");
    }

    /// <summary>
    /// Accuracy on 5,000 synthetic classes (7 training samples each) with r = 0.2 and dense updates of the unsampled
    /// centres is within 1 point of the full head after the same epochs. (The 20,000-class comparison, and lazy updates,
    /// which lag with Adam, are measured by the benchmark; a full 20,000-class head costs minutes here.)
    /// </summary>
    [TestMethod]
    public void SampledHeadWithDenseUpdatesLearnsAsWellAsTheFullHead()
    {
        const int classes = 5_000, perClass = 8;
        var all = SyntheticClasses.Create(classes, perClass, dimensions: 16, noise: 0.3, seed: 11);
        var (train, test) = SyntheticClasses.Split(all, perClass, trainPerClass: 7);
        double Accuracy(double rate)
        {
            var options = new ArcFaceTrainer.Options
            {
                Encoder = new EncoderSpec { Kind = EncoderKind.Mlp, HiddenSizes = [32], EmbeddingSize = 16 },
                HeadOptions = new HeadOptions { Scale = 32, Margin = 0.2 },
                SampleRate = rate, SampledCentreUpdates = SampledCentreUpdates.Dense,
                MaxEpoch = 6, BatchSize = 256, LearningRate = 3e-3f, Seed = 2, Threads = 2,
            };
            return TestModels.Accuracy(new ArcFaceTrainer(options).Fit(train), test);
        }
        double sampled = Accuracy(0.2), full = Accuracy(1.0);
        Console.WriteLine($"5,000 classes: accuracy r = 1: {full:F4}, r = 0.2 (dense updates): {sampled:F4}");
        Assert.IsGreaterThanOrEqualTo(0.9, full, $"the full head must learn the task ({full:F4})");
        Assert.IsLessThanOrEqualTo(0.01, Math.Abs(full - sampled), $"r = 0.2: {sampled:F4} vs r = 1: {full:F4}");
    }

    /// <summary>Dense updates are a dense optimizer's step: every row moves, the unsampled ones as with a zero gradient.</summary>
    [TestMethod]
    [DataRow(OptimizerKind.Adam)]
    [DataRow(OptimizerKind.Sgd)]
    public void DenseUpdatesAreTheDenseOptimizerWithZeroGradients(OptimizerKind kind)
    {
        const int rows = 6, cols = 4;
        var settings = new ArcFaceTrainer.Options { Optimizer = kind, LearningRate = 0.05f, WeightDecay = 0.01f, Momentum = 0.9f }.ToSettings();
        var random = new SeededRandom(3);
        var lazyValues = new RowMatrix(rows, cols);
        foreach (ref var v in lazyValues.Page(0).AsSpan()) v = (float)random.NextGaussian();
        var denseValues = new RowMatrix(rows, cols);
        denseValues.CopyFrom(lazyValues);
        var dense = new MLNetMarginLoss.Engine.Parameter("w", rows, cols);
        lazyValues.Page(0).CopyTo(dense.Value, 0);
        var encoder = MLNetMarginLoss.Encoders.Encoder.Build(new EncoderSpec { InputShape = TensorShape.Vector(2), HiddenSizes = [], EmbeddingSize = 2 }, new SeededRandom(1));
        var rule = MLNetMarginLoss.Training.OptimizerFactory.Create(settings, [new MLNetMarginLoss.Engine.Optimizers.ParameterGroup(encoder.Network.AllParameters().ToList())]);
        var reference = MLNetMarginLoss.Training.OptimizerFactory.Create(settings, [new MLNetMarginLoss.Engine.Optimizers.ParameterGroup([dense])]);
        var rowsOptimizer = new MLNetMarginLoss.Engine.Optimizers.RowOptimizer(rule, denseValues, 1f);
        var lazy = new MLNetMarginLoss.Engine.Optimizers.RowOptimizer(
            MLNetMarginLoss.Training.OptimizerFactory.Create(settings, [new MLNetMarginLoss.Engine.Optimizers.ParameterGroup(encoder.Network.AllParameters().ToList())]), lazyValues, 1f);
        long[][] sampled = [[0, 1, 2, 3, 4, 5], [1, 4], [4]];
        foreach (var subset in sampled)
        {
            var gradient = new float[subset.Length * cols];
            for (int i = 0; i < gradient.Length; i++) gradient[i] = (float)random.NextGaussian();
            Array.Clear(dense.Gradient);
            for (int i = 0; i < subset.Length; i++) gradient.AsSpan(i * cols, cols).CopyTo(dense.Gradient.AsSpan((int)subset[i] * cols, cols));
            reference.Step();
            rowsOptimizer.StepAll(subset, i => gradient.AsSpan(i * cols, cols));
            lazy.Step(subset, i => gradient.AsSpan(i * cols, cols));
        }
        CollectionAssert.AreEqual(dense.Value, denseValues.Page(0), "dense updates = the dense optimizer, bit for bit");
        CollectionAssert.AreNotEqual(dense.Value, lazyValues.Page(0), "lazy updates leave unsampled rows alone, so they differ");
    }

    /// <summary>
    /// 300,000 classes (E = 16, 2,000 rows, one epoch, r = 0.01): the run trains, saves as a standard ML.NET model and
    /// reads back with the same predictions (the separate-process check of 300,000-class models is in ManyClassSavingTests).
    /// </summary>
    [TestMethod]
    public void ThreeHundredThousandClassesTrainAndSave()
    {
        var data = SyntheticClasses.CreateRandomLabels(classes: 300_000, rows: 2_000, dimensions: 16, noise: 0.3, seed: 5);
        var options = new ArcFaceTrainer.Options
        {
            Encoder = new EncoderSpec { Kind = EncoderKind.Mlp, HiddenSizes = [32], EmbeddingSize = 16 },
            HeadOptions = new HeadOptions { Scale = 32 }, SampleRate = 0.01, MaxEpoch = 1, BatchSize = 256, Threads = 2,
        };
        var model = new ArcFaceTrainer(options).Fit(data);
        Assert.AreEqual(300_000, model.ClassNames.Count);
        Assert.IsFalse(model.IsEmbeddingModel);
        var ml = new Microsoft.ML.MLContext(0);
        var rows = data.Take(64);
        var view = MLNetMarginLoss.Tests.MLNet.TestViews.ToView(ml, rows, withLabel: false);
        var before = model.Transform(view).GetColumn<uint>("PredictedLabel").ToArray();
        string path = Path.Combine(Path.GetTempPath(), $"mlnet-margin-300k-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, model.InputSchema, path);
            var loaded = ml.Model.Load(path, out _);
            CollectionAssert.AreEqual(before, loaded.Transform(view).GetColumn<uint>("PredictedLabel").ToArray());
            var back = ArcFaceTransformer.Load(path);
            CollectionAssert.AreEqual(((CosineMarginHead)model.Network.Head).Centers.Weight.Page(0), ((CosineMarginHead)back.Network.Head).Centers.Weight.Page(0), "centres read back bit-exactly");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void AHeadThatWouldNotFitMemoryIsRefusedBeforeTraining()
    {
        var data = SyntheticClasses.Create(classes: 50, samplesPerClass: 2, dimensions: 4, noise: 0.1, seed: 1);
        var options = new ArcFaceTrainer.Options { Encoder = new EncoderSpec { HiddenSizes = [8], EmbeddingSize = 4 }, MaxEpoch = 1 };
        var (centres, state, buffers) = MLNetMarginLoss.Training.MemoryBudget.Estimate(options.ToSettings(), 50, 4);
        Assert.AreEqual(50 * 4 * 4L, centres);
        Assert.AreEqual(2 * centres + 50 * 8L, state, "Adam: two moments per centre value and a step count per row");
        try
        {
            MLNetMarginLoss.Training.MemoryBudget.AvailableBytesOverride = centres + state; // the buffers no longer fit
            var e = Assert.Throws<InsufficientMemoryException>(() => new ArcFaceTrainer(options).Fit(data));
            StringAssert.Contains(e.Message, "50 classes × 4-d embeddings");
            StringAssert.Contains(e.Message, "SampleRate");
            StringAssert.Contains(e.Message, "EmbeddingSize");
            var (_, _, full) = MLNetMarginLoss.Training.MemoryBudget.Estimate(options.ToSettings(), 100_000, 128);
            options.SampleRate = 0.1;
            var (_, _, sampled) = MLNetMarginLoss.Training.MemoryBudget.Estimate(options.ToSettings(), 100_000, 128);
            Assert.IsLessThan(full / 4, sampled, $"Partial FC at r = 0.1 needs far less for gradients and batch buffers ({sampled:N0} vs {full:N0} bytes)");
        }
        finally
        {
            MLNetMarginLoss.Training.MemoryBudget.AvailableBytesOverride = null;
        }
    }

    [TestMethod]
    public void RatesOutsideTheRangeAndThePlainSoftmaxHeadAreRefused()
    {
        foreach (var rate in new[] { 0.0, -0.1, 1.5, double.NaN })
            Assert.Throws<ArgumentOutOfRangeException>(() => new ArcFaceTrainer(new ArcFaceTrainer.Options { SampleRate = rate }));
        var e = Assert.Throws<ArgumentException>(() => new ArcFaceTrainer(new ArcFaceTrainer.Options { Head = HeadKind.Softmax, SampleRate = 0.5 }));
        StringAssert.Contains(e.Message, "softmax");
    }
}


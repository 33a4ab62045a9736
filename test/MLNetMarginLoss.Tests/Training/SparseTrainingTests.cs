using MLNetMarginLoss.Data;
using MLNetMarginLoss.Encoders;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Tests.Data;
using MLNetMarginLoss.Training;

namespace MLNetMarginLoss.Tests.Training;

/// <summary>Training on sparse rows (CSR into the first Linear layer) against the same rows densified.</summary>
[TestClass]
public sealed class SparseTrainingTests
{
    private static ArcFaceTrainer.Options Options(GemmProvider gemm) => new()
    {
        Encoder = new EncoderSpec { Kind = EncoderKind.Mlp, HiddenSizes = [24], EmbeddingSize = 8 },
        HeadOptions = new HeadOptions { Scale = 16, Margin = 0.3 },
        MaxEpoch = 3,
        BatchSize = 32,
        LearningRate = 3e-3f,
        Schedule = ScheduleKind.Constant, // 24 steps: a constant rate (the calibration of the accuracy check)
        Seed = 5,
        Threads = 2,
        GemmProvider = gemm,
    };

    [TestMethod]
    public void SparseTrainingGivesTheDenseWeightsBitForBitWithTheReferenceGemm()
    {
        // The sparse kernel sums each output in double in stored order, as the reference GEMM does over the dense row
        // (whose zeros add nothing), so every step — and so the whole run — is the same to the bit.
        var train = SparseRows.Make(rows: 240, columns: 400, classes: 4, perRow: 12, seed: 1);
        var validation = SparseRows.Make(rows: 80, columns: 400, classes: 4, perRow: 12, seed: 2);
        Assert.IsTrue(train.IsSparse);
        var sparse = new ArcFaceTrainer(Options(GemmProvider.Reference)).Fit(train, validation);
        var dense = new ArcFaceTrainer(Options(GemmProvider.Reference)).Fit(train.Densified(), validation.Densified());
        Assert.IsFalse(train.Densified().IsSparse);
        CollectionAssert.AreEqual(TestModels.Weights(dense), TestModels.Weights(sparse));
        CollectionAssert.AreEqual(dense.History.Epochs.Select(e => e.ValidationLoss).ToArray(), sparse.History.Epochs.Select(e => e.ValidationLoss).ToArray());
        // It learned: 4 classes, chance 0.25.
        Assert.IsGreaterThan(0.8, sparse.History.Epochs[^1].ValidationAccuracy!.Value);
    }

    [TestMethod]
    public void SparseTrainingAgreesWithTheManagedGemmOnTheDensifiedRows()
    {
        // The managed GEMM sums in float with FMA over blocks of the 400 inputs, the sparse kernel in double: the first
        // layer's outputs differ in their last bits, and three epochs of Adam carry that into the weights (measured here:
        // at most 1.1e-7 apart, weights up to 0.26). 1e-5 leaves room for other SIMD kernels (AVX2, portable) while
        // still failing on any real difference (a wrong row, column or gradient moves weights by ~1e-3 per step).
        var train = SparseRows.Make(rows: 240, columns: 400, classes: 4, perRow: 12, seed: 1);
        var test = SparseRows.Make(rows: 80, columns: 400, classes: 4, perRow: 12, seed: 3);
        var sparse = new ArcFaceTrainer(Options(GemmProvider.Managed)).Fit(train);
        var dense = new ArcFaceTrainer(Options(GemmProvider.Managed)).Fit(train.Densified());
        var a = TestModels.Weights(sparse);
        var b = TestModels.Weights(dense);
        for (int i = 0; i < a.Length; i++) Assert.AreEqual(b[i], a[i], 1e-5f, $"weight {i}");
        CollectionAssert.AreEqual(dense.Network.Transform(test.Densified()).PredictedLabel, sparse.Network.Transform(test.Densified()).PredictedLabel);
    }

    [TestMethod]
    public void SparseRowsAreRefusedByImageEncodersAndAugmentation()
    {
        var train = SparseRows.Make(rows: 40, columns: 64, classes: 2, perRow: 4, seed: 1);
        var cnn = Options(GemmProvider.Auto);
        cnn.Encoder = new EncoderSpec { Kind = EncoderKind.Cnn, EmbeddingSize = 8 };
        var e = Assert.ThrowsExactly<ArgumentException>(() => new ArcFaceTrainer(cnn).Fit(train));
        StringAssert.Contains(e.Message, "sparse rows (64 features");
        StringAssert.Contains(e.Message, "only the MLP encoder");

        var augmented = Options(GemmProvider.Auto);
        augmented.Augmentation = new ImageAugmentation { HorizontalFlipProbability = 0.5 };
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new ArcFaceTrainer(augmented).Fit(train)).Message, "augmentation cannot be applied");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new BatchFeeder(train, 8, augmented.Augmentation)).Message, "augmentation cannot be applied to sparse feature rows");

        // The engine itself: an encoder whose first layer is a convolution cannot multiply sparse rows.
        var encoder = Encoder.Build(new EncoderSpec { Kind = EncoderKind.Cnn, EmbeddingSize = 8, InputShape = new TensorShape(1, 8, 8) }, new SeededRandom(0));
        var batch = new SparseBatch(64);
        batch.AppendRow([3], [1f]);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => encoder.Forward(batch, training: true)).Message, "its first layer is Conv2d");
    }

    [TestMethod]
    public void DatasetOperationsKeepSparseRowsSparse()
    {
        var data = SparseRows.Make(rows: 30, columns: 50, classes: 3, perRow: 5, seed: 4);
        var dense = data.Densified();
        var picked = data.Select([7, 2, 29]);
        Assert.IsTrue(picked.IsSparse);
        CollectionAssert.AreEqual(dense.Select([7, 2, 29]).Features, picked.Densified().Features);
        CollectionAssert.AreEqual(dense.Row(11).ToArray(), data.Row(11).ToArray());
        Assert.IsTrue(data.Take(10).IsSparse && data.WithoutLabels().IsSparse && data.WithFeatureShape(new TensorShape(2, 5, 5)).IsSparse);
        Assert.AreEqual(150, data.Sparse!.NonZeros);
        StringAssert.Contains(Assert.ThrowsExactly<InvalidOperationException>(() => data.Features).Message, "sparse rows (30 rows of 50");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new SparseFeatures(5, [0, 2], [3, 1], [1f, 1f])).Message, "Row 0: column 1 is not above the previous 3");
    }
}

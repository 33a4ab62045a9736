using MLNetMarginLoss.Data;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Training;

namespace MLNetMarginLoss.TorchBackend.Tests;

/// <summary>
/// Sparse rows on the TorchSharp backend: each batch is densified on the host and uploaded, so training sees exactly the
/// numbers of the same rows densified (then kept on the device): the runs agree bit for bit.
/// </summary>
[TestClass]
public sealed class SparseRowsTests
{
    [TestMethod]
    public void SparseRowsTrainAsTheSameRowsDensified()
    {
        var train = Rows(200, seed: 1);
        var validation = Rows(60, seed: 2);
        Assert.IsTrue(train.IsSparse);
        ArcFaceTrainer.Options Options() => new()
        {
            Encoder = new EncoderSpec { Kind = EncoderKind.Mlp, HiddenSizes = [16], EmbeddingSize = 8 },
            HeadOptions = new HeadOptions { Scale = 16, Margin = 0.3 },
            MaxEpoch = 2, BatchSize = 32, LearningRate = 5e-3f, Seed = 3,
            Backend = TestDevice.Backend(),
        };
        var sparse = new ArcFaceTrainer(Options()).Fit(train, validation);
        var dense = new ArcFaceTrainer(Options()).Fit(train.Densified(), validation.Densified());
        CollectionAssert.AreEqual(Weights(dense), Weights(sparse));
        CollectionAssert.AreEqual(dense.History.Epochs.Select(e => e.ValidationLoss).ToArray(), sparse.History.Epochs.Select(e => e.ValidationLoss).ToArray());
        Assert.IsGreaterThan(0.7, sparse.History.Epochs[^1].ValidationAccuracy!.Value, "3 classes, chance 1/3");
    }

    private static float[] Weights(ArcFaceTransformer model) =>
        NetworkManifest.CollectTensors(model.Network.Encoder, model.Network.Head).SelectMany(t => t.Data).ToArray();

    /// <summary>Bag-of-words-like rows: 8 stored values of 300 columns, half from the class's own block of 50.</summary>
    private static Dataset Rows(int count, int seed)
    {
        var random = new Random(seed);
        var builder = new SparseFeaturesBuilder(300);
        var labels = new int[count];
        var row = new SortedDictionary<int, float>();
        for (int i = 0; i < count; i++)
        {
            labels[i] = i % 3;
            row.Clear();
            for (int draw = 0; row.Count < 8; draw++) row[draw % 2 == 0 ? labels[i] * 50 + random.Next(50) : random.Next(300)] = 0.25f + (float)random.NextDouble();
            builder.AppendSparse(row.Keys.ToArray(), row.Values.ToArray());
        }
        return new Dataset(builder.Build(), TensorShape.Vector(300), labels, ["a", "b", "c"], "sparse rows");
    }
}

using MLNetMarginLoss.Embeddings;
using MLNetMarginLoss.Tests.Training;
using MLNetMarginLoss.Training;

namespace MLNetMarginLoss.Tests.Embeddings;

[TestClass]
public sealed class KnnClassifierTests
{
    // Four 2-D references: two of class 0 near +x, two of class 1 near +y.
    private static EmbeddingSet Gallery() => new([1f, 0.1f, 1f, -0.1f, 0.1f, 1f, -0.1f, 1f], 2, [0, 0, 1, 1], ["a", "b"]);

    [TestMethod]
    public void ClassifiesByNearestNeighbours()
    {
        var model = new KnnClassifier(new KnnClassifierOptions { K = 2 }).Fit(Gallery());
        var p = model.Transform(new EmbeddingSet([2f, 0f, 0f, 3f], 2));
        CollectionAssert.AreEqual(new[] { 0, 1 }, p.PredictedLabel);
        Assert.AreEqual(1f, p.Score[0], 1e-6f);       // both neighbours of the first query are class 0
        Assert.AreEqual(0f, p.Score[1], 1e-6f);
        Assert.AreEqual(1f / MathF.Sqrt(1.01f), p.Similarity[0], 1e-5f);
        Assert.AreEqual(1.0, p.Accuracy([0, 1]));
    }

    [TestMethod]
    public void OpenSetThresholdAnswersUnknown()
    {
        var model = new KnnClassifier(new KnnClassifierOptions { K = 2, SimilarityThreshold = 0.9f }).Fit(Gallery());
        // (1,-1)/√2 has cosine ≈ 0.63 with every reference: below the threshold.
        var p = model.Transform(new EmbeddingSet([1f, -1f, 1f, 0f], 2));
        Assert.AreEqual(KnnVoter.Unknown, p.PredictedLabel[0]);
        Assert.IsTrue(p.Score.AsSpan(0, 2).ToArray().All(s => s == 0));
        Assert.AreEqual(0, p.PredictedLabel[1]);
    }

    [TestMethod]
    public void SearchAndVerify()
    {
        var model = new KnnClassifier().Fit(Gallery());
        var n = model.Search([0f, 1f], 3);
        Assert.AreEqual(3, n.K);
        CollectionAssert.AreEquivalent(new[] { 2, 3 }, n.IndicesOf(0)[..2].ToArray());
        var (s, same) = KnnModel.Verify([1f, 0f], [1f, 1f], 0.8f);
        Assert.AreEqual(MathF.Sqrt(0.5f), s, 1e-6f);
        Assert.IsFalse(same);
        Assert.IsTrue(KnnModel.Verify([1f, 0f], [2f, 0.1f], 0.8f).Same);
    }

    [TestMethod]
    public void RejectsBadInput()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new KnnClassifier(new KnnClassifierOptions { K = 0 }));
        Assert.ThrowsExactly<ArgumentException>(() => new KnnClassifier().Fit(new EmbeddingSet([1f, 0f], 2)));
        var model = new KnnClassifier().Fit(Gallery());
        Assert.ThrowsExactly<ArgumentException>(() => model.Transform(new EmbeddingSet([1f, 0f, 0f], 3)));
    }

    [TestMethod]
    public void KnnOnTrainedEmbeddingsMatchesTheHead()
    {
        var model = new ArcFaceTrainer(TestModels.SmallMlp(epochs: 3)).Fit(FashionMnist.Train(4000));
        var extractor = new EmbeddingExtractor(model);
        var knn = new KnnClassifier(new KnnClassifierOptions { K = 5 }).Fit(extractor.Transform(FashionMnist.Train(4000)));
        var test = FashionMnist.Test(1000);
        double knnAccuracy = knn.Transform(extractor.Transform(test.WithoutLabels())).Accuracy(test.Labels!);
        double headAccuracy = TestModels.Accuracy(model, test);
        Assert.IsGreaterThanOrEqualTo(0.70, knnAccuracy);
        Assert.IsLessThan(0.05, Math.Abs(knnAccuracy - headAccuracy), $"k-NN {knnAccuracy:F3} vs head {headAccuracy:F3}");
    }

    [TestMethod]
    public void FlipAugmentationGivesUnitVectorsThatDifferFromPlain()
    {
        var model = new ArcFaceTrainer(TestModels.SmallMlp(epochs: 1)).Fit(FashionMnist.Train(500));
        var data = FashionMnist.Test(20);
        var plain = new EmbeddingExtractor(model).Transform(data);
        var flip = new EmbeddingExtractor(model, flipTestTimeAugmentation: true).Transform(data);
        for (int i = 0; i < flip.Count; i++)
            Assert.AreEqual(1.0, System.Numerics.Tensors.TensorPrimitives.Norm(flip.Row(i)), 1e-4);
        CollectionAssert.AreNotEqual(plain.Vectors, flip.Vectors);
        CollectionAssert.AreEqual(data.Labels, flip.Labels);
    }
}

using MLNetMarginLoss.Embeddings;

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
}

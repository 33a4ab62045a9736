using MLNetMarginLoss.Embeddings;

namespace MLNetMarginLoss.Tests.Embeddings;

/// <summary>The k-NN engine behind the classifier's batched path: cosine search over a labelled gallery and the vote.</summary>
[TestClass]
public sealed class KnnIndexTests
{
    // Four 2-D rows: two of class 0 near +x, two of class 1 near +y.
    private static readonly float[] Gallery = [1f, 0.1f, 1f, -0.1f, 0.1f, 1f, -0.1f, 1f];

    [TestMethod]
    public void ClassifiesByNearestNeighbours()
    {
        var index = new KnnIndex(Gallery, 2, [0, 0, 1, 1], 2, 2, KnnVoting.DistanceWeighted, null);
        var (score, predicted, similarity, neighbors) = index.Classify([2f, 0f, 0f, 3f]);
        CollectionAssert.AreEqual(new[] { 0, 1 }, predicted);
        CollectionAssert.AreEqual(new[] { 1f, 0f, 0f, 1f }, score);
        Assert.AreEqual(1f / MathF.Sqrt(1.01f), similarity[0], 1e-6f);
        Assert.AreEqual(2, neighbors.K);
    }

    [TestMethod]
    public void OpenSetThresholdAnswersUnknownWithZeroScores()
    {
        var index = new KnnIndex(Gallery, 2, [0, 0, 1, 1], 3, 2, KnnVoting.Majority, 0.9f);
        // (1,-1)/√2 has cosine ≈ 0.63 with every row: below the threshold.
        var (score, predicted, _, _) = index.Classify([1f, -1f, 1f, 0f]);
        CollectionAssert.AreEqual(new[] { KnnVoter.Unknown, 0 }, predicted);
        CollectionAssert.AreEqual(new[] { 0f, 0f, 0f, 1f, 0f, 0f }, score);
    }

    [TestMethod]
    public void KIsCappedAtTheGallerySize()
    {
        var index = new KnnIndex(Gallery, 2, [0, 0, 1, 1], 2, 50, KnnVoting.Majority, null);
        Assert.AreEqual(4, index.K);
        Assert.AreEqual(4, index.Search([0f, 1f], 9).K);
        CollectionAssert.AreEquivalent(new[] { 2, 3 }, index.Search([0f, 1f], 2).IndicesOf(0).ToArray());
        var stored = index.Gallery.ToArray();
        Assert.AreEqual(1.0, MathF.Sqrt(stored[0] * stored[0] + stored[1] * stored[1]), 1e-6, "the gallery is stored normalised");
    }

    [TestMethod]
    public void RejectsBadInput()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new KnnIndex(Gallery, 2, [0, 0, 1, 1], 2, 0, KnnVoting.Majority, null));
        Assert.ThrowsExactly<ArgumentException>(() => new KnnIndex(Gallery, 2, [0, 0, 1], 2, 1, KnnVoting.Majority, null));
        Assert.ThrowsExactly<ArgumentException>(() => new KnnIndex(Gallery, 2, [0, 0, 1, 5], 2, 1, KnnVoting.Majority, null));
        Assert.ThrowsExactly<ArgumentException>(() => new KnnIndex([], 2, [], 2, 1, KnnVoting.Majority, null));
        var index = new KnnIndex(Gallery, 2, [0, 0, 1, 1], 2, 1, KnnVoting.Majority, null);
        Assert.ThrowsExactly<ArgumentException>(() => index.Classify([1f, 0f, 0f]));
    }
}

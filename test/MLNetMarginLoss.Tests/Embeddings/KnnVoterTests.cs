using MLNetMarginLoss.Embeddings;

namespace MLNetMarginLoss.Tests.Embeddings;

[TestClass]
public sealed class KnnVoterTests
{
    // Reference labels by row.
    private static readonly int[] Labels = [0, 1, 1, 0, 2];

    [TestMethod]
    public void MajorityCountsVotes()
    {
        var voter = new KnnVoter(Labels, 3, KnnVoting.Majority);
        Assert.AreEqual(1, voter.Vote([0, 1, 2], [0.9f, 0.8f, 0.7f], out var confidence));
        Assert.AreEqual(2f / 3, confidence, 1e-6);
    }

    [TestMethod]
    public void TiesGoToTheClassOfTheNearestNeighbour()
    {
        var voter = new KnnVoter(Labels, 3, KnnVoting.Majority);
        Assert.AreEqual(1, voter.Vote([1, 0], [0.9f, 0.8f]));
        Assert.AreEqual(0, voter.Vote([0, 1], [0.9f, 0.8f]));
        // Labels 2, 0, 1, 0, 1: classes 0 and 1 tie at two votes; class 0's best neighbour ranks first.
        Assert.AreEqual(0, voter.Vote([4, 0, 1, 3, 2], [0.9f, 0.8f, 0.7f, 0.6f, 0.5f]));
    }

    [TestMethod]
    public void WeightingCanOverturnTheMajority()
    {
        // One very close class-0 neighbour against two distant class-1 neighbours.
        int[] idx = [0, 1, 2];
        float[] sims = [0.95f, 0.5f, 0.5f];
        Assert.AreEqual(1, new KnnVoter(Labels, 3, KnnVoting.Majority).Vote(idx, sims));
        // Distance-weighted: 1/0.05 ≈ 20 for class 0 against 2·(1/0.5) = 4 for class 1.
        Assert.AreEqual(0, new KnnVoter(Labels, 3, KnnVoting.DistanceWeighted).Vote(idx, sims));
        // Similarity-weighted: 0.95 against 1.0 → class 1; with 0.75 / 0.5 + 0.25 it is a tie → nearest (class 0).
        Assert.AreEqual(1, new KnnVoter(Labels, 3, KnnVoting.SimilarityWeighted).Vote(idx, sims));
        Assert.AreEqual(0, new KnnVoter(Labels, 3, KnnVoting.SimilarityWeighted).Vote(idx, [0.75f, 0.5f, 0.25f]));
    }

    [TestMethod]
    public void ThresholdRejectsDissimilarNeighbours()
    {
        var voter = new KnnVoter(Labels, 3, KnnVoting.Majority, similarityThreshold: 0.85f);
        Assert.AreEqual(KnnVoter.Unknown, voter.Vote([0, 1], [0.8f, 0.7f], out var confidence));
        Assert.AreEqual(0f, confidence);
        // Only the first neighbour clears the threshold, so the two class-1 votes below it do not count.
        Assert.AreEqual(0, voter.Vote([0, 1, 2], [0.9f, 0.8f, 0.8f]));
    }

    [TestMethod]
    public void VoteAllUsesEveryQueryOfASearch()
    {
        var list = new NeighborList(2, 2, [1, 2, 4, -1], [0.9f, 0.8f, 0.7f, float.NaN]);
        CollectionAssert.AreEqual(new[] { 1, 2 }, new KnnVoter(Labels, 3).VoteAll(list));
    }

    [TestMethod]
    public void LabelsOutsideTheClassRangeAreRejected()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new KnnVoter([0, 5], 3));
        StringAssert.Contains(ex.Message, "Reference label 5 at row 1");
    }
}

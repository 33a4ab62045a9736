using MLNetMarginLoss.Evaluation;

namespace MLNetMarginLoss.Tests.Evaluation;

/// <summary>Closed-set identification (CMC) on points of the unit circle whose rankings are worked out by hand.</summary>
[TestClass]
public sealed class IdentificationEvaluatorTests
{
    private static float[] At(params double[] degrees) =>
        [.. degrees.SelectMany(d => new[] { (float)Math.Cos(d * Math.PI / 180), (float)Math.Sin(d * Math.PI / 180) })];

    // Gallery: A at 0°, B at 90°, C at 180°, B at 10°.
    private static readonly float[] Gallery = At(0, 90, 180, 10);
    private static readonly int[] GalleryLabels = [0, 1, 2, 1];

    // Probes and their hand-worked class rankings (a class scores its most similar gallery image):
    //   A at 3°:   A (0°, 3° away) first                                   → rank 1
    //   A at 8°:   B (10°, 2° away), then A (0°, 8° away)                  → rank 2
    //   C at 140°: C (180°, 40°), then B (90°, 50°)                        → rank 1
    //   A at 260°: C (80° away), then A (100° away)                        → rank 2
    //   B at 230°: C (50°), A (130°), B (140° from 90°, 140° from 10°)     → rank 3
    private static readonly float[] Probes = At(3, 8, 140, 260, 230);
    private static readonly int[] ProbeLabels = [0, 0, 2, 0, 1];

    [TestMethod]
    public void CumulativeMatchFollowsTheHandWorkedRanks()
    {
        var m = IdentificationEvaluator.Evaluate(Gallery, GalleryLabels, Probes, ProbeLabels, 2, maxRank: 5);
        // Only 3 classes, so only 3 ranks: 2 of 5 probes at rank 1, 4 by rank 2, all by rank 3.
        CollectionAssert.AreEqual(new[] { 0.4, 0.8, 1.0 }, m.CumulativeMatch.ToArray());
        Assert.AreEqual(0.4, m.Rank1Accuracy);
        Assert.IsTrue(double.IsNaN(m.Rank5Accuracy));
        Assert.AreEqual(5, m.ProbeCount);
        Assert.AreEqual(4, m.GallerySize);
        Assert.AreEqual(3, m.GalleryClassCount);

        var top2 = IdentificationEvaluator.Evaluate(Gallery, GalleryLabels, Probes, ProbeLabels, 2, maxRank: 2);
        CollectionAssert.AreEqual(new[] { 0.4, 0.8 }, top2.CumulativeMatch.ToArray());
    }

    [TestMethod]
    public void AClassBehindManyImagesOfAnotherIsStillFoundAtItsRank()
    {
        // Three B images at 1°, 2°, 3° crowd the probe's nearest neighbours; A (20°) is the second class, C the third.
        float[] gallery = At(1, 2, 3, 20, 180);
        int[] labels = [1, 1, 1, 0, 2];
        var rank2 = IdentificationEvaluator.Evaluate(gallery, labels, At(0), [0], 2, maxRank: 2);
        CollectionAssert.AreEqual(new[] { 0.0, 1.0 }, rank2.CumulativeMatch.ToArray());
        var rank1 = IdentificationEvaluator.Evaluate(gallery, labels, At(0), [0], 2, maxRank: 1);
        CollectionAssert.AreEqual(new[] { 0.0 }, rank1.CumulativeMatch.ToArray());
    }

    [TestMethod]
    public void ScaledEmbeddingsGiveTheSameRanks()
    {
        var scaled = Probes.Select((v, i) => v * (1 + i / 2)).ToArray();   // probe j scaled by j + 1
        var m = IdentificationEvaluator.Evaluate(Gallery.Select(v => v * 7).ToArray(), GalleryLabels, scaled, ProbeLabels, 2);
        CollectionAssert.AreEqual(new[] { 0.4, 0.8, 1.0 }, m.CumulativeMatch.ToArray());
    }

    [TestMethod]
    public void AProbeOfAClassWithoutGalleryImagesIsRefused()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => IdentificationEvaluator.Evaluate(Gallery, GalleryLabels, At(0), [3], 2));
        StringAssert.Contains(e.Message, "class 3 has no gallery image");
        Assert.ThrowsExactly<ArgumentException>(() => IdentificationEvaluator.Evaluate(Gallery, [0, 1], Probes, ProbeLabels, 2));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => IdentificationEvaluator.Evaluate(Gallery, GalleryLabels, Probes, ProbeLabels, 2, maxRank: 0));
    }
}

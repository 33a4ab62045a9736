using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Evaluation;

namespace MLNetMarginLoss.Tests.Evaluation;

[TestClass]
public sealed class CrossGroupPairGeneratorTests
{
    // Class 0 in groups 0, 1 and 2; class 1 in groups 0 and 1; class 2 only in group 2 (never a same-pair anchor).
    private static readonly int[] Labels = [0, 0, 0, 1, 1, 1, 2, 2];
    private static readonly int[] Groups = [0, 1, 2, 0, 0, 1, 2, 2];

    [TestMethod]
    public void EveryPairJoinsTwoGroupsAndHalfAreSameClass()
    {
        var pairs = CrossGroupPairGenerator.Generate(Labels, Groups, 2000, new SeededRandom(7));
        Assert.AreEqual(2000, pairs.Count);
        for (int p = 0; p < pairs.Count; p++)
        {
            int a = pairs.First[p], b = pairs.Second[p];
            Assert.AreNotEqual(Groups[a], Groups[b], $"pair {p} stays in group {Groups[a]}");
            Assert.AreEqual(p % 2 == 0, pairs.IsSame[p], "same and different pairs alternate");
            Assert.AreEqual(pairs.IsSame[p], Labels[a] == Labels[b]);
        }
        // Class 2 lives in one group, so it has no cross-group same pair; classes 0 and 1 both do.
        var sameClasses = Enumerable.Range(0, pairs.Count).Where(p => pairs.IsSame[p]).Select(p => Labels[pairs.First[p]]).Distinct().Order().ToArray();
        CollectionAssert.AreEqual(new[] { 0, 1 }, sameClasses);
        // Every row has a different-class partner in another group, so every row is drawn as a different-pair anchor.
        var differentAnchors = Enumerable.Range(0, pairs.Count).Where(p => !pairs.IsSame[p]).Select(p => pairs.First[p]).Distinct().Count();
        Assert.AreEqual(Labels.Length, differentAnchors);
    }

    [TestMethod]
    public void TheSameSeedDrawsTheSamePairs()
    {
        var a = CrossGroupPairGenerator.Generate(Labels, Groups, 100, new SeededRandom(3));
        var b = CrossGroupPairGenerator.Generate(Labels, Groups, 100, new SeededRandom(3));
        var c = CrossGroupPairGenerator.Generate(Labels, Groups, 100, new SeededRandom(4));
        CollectionAssert.AreEqual(a.First, b.First);
        CollectionAssert.AreEqual(a.Second, b.Second);
        Assert.IsFalse(a.First.SequenceEqual(c.First) && a.Second.SequenceEqual(c.Second));
    }

    [TestMethod]
    public void ImpossibleDrawsAreRefused()
    {
        // One group: no pair can cross groups.
        var e = Assert.ThrowsExactly<ArgumentException>(() => CrossGroupPairGenerator.Generate([0, 0, 1, 1], [5, 5, 5, 5], 10, new SeededRandom(0)));
        StringAssert.Contains(e.Message, "rows in two groups");
        // Each class in its own group: different pairs exist, same pairs across groups do not.
        Assert.ThrowsExactly<ArgumentException>(() => CrossGroupPairGenerator.Generate([0, 0, 1, 1], [0, 0, 1, 1], 10, new SeededRandom(0)));
        // One class in two groups: same pairs exist, different ones do not.
        e = Assert.ThrowsExactly<ArgumentException>(() => CrossGroupPairGenerator.Generate([0, 0], [0, 1], 10, new SeededRandom(0)));
        StringAssert.Contains(e.Message, "two classes in two different groups");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => CrossGroupPairGenerator.Generate(Labels, Groups, 7, new SeededRandom(0)));
        Assert.ThrowsExactly<ArgumentException>(() => CrossGroupPairGenerator.Generate(Labels, [0, 1], 10, new SeededRandom(0)));
    }
}

using System.Text;

namespace MLNetMarginLoss.Tests.Data;

[TestClass]
public sealed class GlyphCharactersTests
{
    [TestMethod]
    public void Level1IsTheStandardsFirstLevelInItsOrder()
    {
        var list = GlyphCharacters.Gb2312Level1;
        Assert.AreEqual(3755, list.Count);
        Assert.AreEqual(3755, list.Distinct(StringComparer.Ordinal).Count());
        Assert.AreEqual("啊", list[0]);       // 0xB0A1, the first code of level 1
        Assert.AreEqual("座", list[^1]);      // 0xD7F9, the last
        Assert.AreEqual("一", list[list.ToList().IndexOf("一")]);
        // Every entry is one CJK unified ideograph, and encodes back to the standard's code at its position.
        var gb2312 = CodePagesEncodingProvider.Instance.GetEncoding(936)!;
        int position = 0;
        for (int row = 0xB0; row <= 0xD7; row++)
            for (int cell = 0xA1; cell <= (row == 0xD7 ? 0xF9 : 0xFE); cell++)
            {
                string c = list[position++];
                Assert.AreEqual(1, c.Length);
                Assert.IsTrue(c[0] is >= '\u4E00' and <= '\u9FFF', $"U+{(int)c[0]:X4} is not a CJK unified ideograph");
                CollectionAssert.AreEqual(new[] { (byte)row, (byte)cell }, gb2312.GetBytes(c));
            }
        Assert.AreEqual(3755, position);
    }

    [TestMethod]
    public void SplitIsDisjointCompleteAndSeeded()
    {
        var all = GlyphCharacters.Gb2312Level1;
        var (training, unseen) = GlyphCharacters.Split(all, 2500, seed: 0);
        Assert.AreEqual(2500, training.Count);
        Assert.AreEqual(1255, unseen.Count);
        Assert.AreEqual(0, training.Intersect(unseen).Count());
        CollectionAssert.AreEquivalent(all.ToArray(), training.Concat(unseen).ToArray());
        // Each part keeps the list's order.
        CollectionAssert.AreEqual(all.Where(training.Contains).ToArray(), training.ToArray());
        // The same seed splits the same way; another seed another way.
        CollectionAssert.AreEqual(training.ToArray(), GlyphCharacters.Split(all, 2500, seed: 0).Training.ToArray());
        CollectionAssert.AreNotEqual(training.ToArray(), GlyphCharacters.Split(all, 2500, seed: 1).Training.ToArray());
    }

    [TestMethod]
    public void ImpossibleSplitsAreRefused()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => GlyphCharacters.Split(["一", "二"], 2));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => GlyphCharacters.Split(["一", "二"], 0));
        var e = Assert.ThrowsExactly<ArgumentException>(() => GlyphCharacters.Split(["一", "二", "一"], 1));
        StringAssert.Contains(e.Message, "twice");
    }
}

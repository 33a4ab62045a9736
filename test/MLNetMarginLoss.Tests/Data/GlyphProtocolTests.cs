namespace MLNetMarginLoss.Tests.Data;

[TestClass]
public sealed class GlyphProtocolTests
{
    [TestMethod]
    public void StandardSplitsAreDisjointAndComplete()
    {
        var p = GlyphProtocol.Standard();
        Assert.AreEqual(3755, p.Characters.Count);
        Assert.AreEqual(2500, p.TrainingCharacters.Count);
        Assert.AreEqual(1255, p.UnseenCharacters.Count);
        Assert.AreEqual(0, p.TrainingCharacters.Intersect(p.UnseenCharacters).Count());
        CollectionAssert.AreEquivalent(GlyphCharacters.Gb2312Level1.ToArray(), p.TrainingCharacters.Concat(p.UnseenCharacters).ToArray());

        Assert.AreEqual(14, p.TrainingFaces.Count);
        CollectionAssert.AreEqual(GlyphProtocol.StandardHeldOutFaces.ToArray(), p.HeldOutFaces.Select(f => f.Name).ToArray());
        Assert.AreEqual(0, p.TrainingFaces.Intersect(p.HeldOutFaces).Count());
        CollectionAssert.AreEquivalent(GlyphFaces.Standard.ToArray(), p.TrainingFaces.Concat(p.HeldOutFaces).ToArray());

        CollectionAssert.AreEqual(GlyphProtocol.StandardGalleryFaces.ToArray(), p.GalleryFaces.Select(f => f.Name).ToArray());
        Assert.AreEqual(13, p.QueryFaces.Count);
        Assert.AreEqual(0, p.GalleryFaces.Intersect(p.QueryFaces).Count());
        CollectionAssert.AreEquivalent(GlyphFaces.Standard.ToArray(), p.GalleryFaces.Concat(p.QueryFaces).ToArray());
        // Held-out faces are never gallery faces, so their images are probes.
        Assert.AreEqual(0, p.HeldOutFaces.Intersect(p.GalleryFaces).Count());
    }

    [TestMethod]
    public void EveryGalleryFaceHasEveryUnseenCharacter()
    {
        // k-shot identification enrols every unseen character in each of the first k gallery faces.
        var p = GlyphProtocol.Standard();
        foreach (var face in p.GalleryFaces) Assert.AreEqual(0, face.MissingGlyphs(p.UnseenCharacters).Count, face.Name);
    }

    [TestMethod]
    public void ScaledDownProtocolUsesTheFirstCharacters()
    {
        var p = GlyphProtocol.Standard(characterCount: 300, trainingCount: 200);
        CollectionAssert.AreEquivalent(GlyphCharacters.Gb2312Level1.Take(300).ToArray(), p.TrainingCharacters.Concat(p.UnseenCharacters).ToArray());
        Assert.AreEqual(100, p.UnseenCharacters.Count);
    }

    [TestMethod]
    public void BadFaceChoicesAreRefused()
    {
        var chars = GlyphCharacters.Gb2312Level1.Take(10).ToList();
        var faces = GlyphFaces.Standard.Take(3).ToList();
        string[] names = [.. faces.Select(f => f.Name)];
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => GlyphProtocol.Create(chars, faces, 5, ["Nope"], [names[0]])).Message, "no face 'Nope'");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => GlyphProtocol.Create(chars, faces, 5, names, [names[0]])).Message, "Every face is held out");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => GlyphProtocol.Create(chars, faces, 5, [names[0]], names)).Message, "Every face is a gallery face");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => GlyphProtocol.Create(chars, faces, 5, [names[0], names[0]], [names[1]])).Message, "listed twice");
    }
}

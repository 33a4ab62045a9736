using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Data;

namespace MLNetMarginLoss.Tests.Data;

/// <summary>
/// The glyph data set builder. These tests render with the fonts that build/setup.sh installs (fonts-noto-cjk,
/// fonts-noto-cjk-extra, fonts-wqy-zenhei, fonts-wqy-microhei, fonts-ipafont-gothic, fonts-ipafont-mincho); a missing
/// font fails them with a message that names its package.
/// </summary>
[TestClass]
public sealed class GlyphImagesTests
{
    private static readonly string[] Some = ["啊", "阿", "永", "爱", "龙"];
    private static GlyphFace Face(string name) => GlyphFaces.Get(name);
    private static readonly GlyphFace[] TwoFaces = [Face("Noto Sans CJK SC Regular"), Face("Noto Serif CJK SC Bold")];

    [TestMethod]
    public void EveryStandardFaceOpensAsTheFamilyItNames()
    {
        Assert.AreEqual(18, GlyphFaces.Standard.Count);
        Assert.AreEqual(18, GlyphFaces.Standard.Select(f => f.Name).Distinct().Count());
        foreach (var face in GlyphFaces.Standard)
        {
            using var typeface = face.Open();
            Assert.AreEqual(face.Family, typeface.FamilyName);
        }
    }

    [TestMethod]
    public void CoverageOfLevel1IsWhatTheDocumentationSays()
    {
        // Noto and WenQuanYi have every level-1 character; the Japanese IPA fonts lack the simplified-only forms.
        var level1 = GlyphCharacters.Gb2312Level1;
        foreach (var face in GlyphFaces.Standard)
        {
            int missing = face.MissingGlyphs(level1).Count;
            if (face.Family.StartsWith("IPA", StringComparison.Ordinal)) Assert.AreEqual(3755 - 2568, missing, face.Name);
            else Assert.AreEqual(0, missing, face.Name);
        }
        CollectionAssert.Contains(Face("IPAGothic").MissingGlyphs(["们", "永"]).ToArray(), "们");   // 们 is simplified-only
    }

    [TestMethod]
    public void TheSameSeedRendersTheSameImagesAndAnotherSeedOthers()
    {
        var a = GlyphImages.Render(Some, TwoFaces, variants: 2, seed: 11);
        var b = GlyphImages.Render(Some, TwoFaces, variants: 2, seed: 11);
        var c = GlyphImages.Render(Some, TwoFaces, variants: 2, seed: 12);
        Assert.AreEqual(Some.Length * 2 * 2, a.RowCount);
        for (int r = 0; r < a.RowCount; r++) CollectionAssert.AreEqual(a.Image(r).ToArray(), b.Image(r).ToArray(), $"row {r}");
        Assert.IsTrue(Enumerable.Range(0, a.RowCount).All(r => !a.Image(r).SequenceEqual(c.Image(r))), "another seed draws other augmentations");
        // The two variants of a character in a face differ.
        Assert.IsFalse(a.Image(0).SequenceEqual(a.Image(1)));
    }

    [TestMethod]
    public void AnImageDoesNotDependOnWhatElseIsRendered()
    {
        var whole = GlyphImages.Render(Some, TwoFaces, variants: 2, seed: 5);
        var part = GlyphImages.Render(["永"], [TwoFaces[1]], variants: 2, seed: 5);
        int row = Enumerable.Range(0, whole.RowCount).First(r => whole.Characters[whole.CharacterIndices[r]] == "永" && whole.FaceIndices[r] == 1);
        CollectionAssert.AreEqual(whole.Image(row).ToArray(), part.Image(0).ToArray());
        CollectionAssert.AreEqual(whole.Image(row + 1).ToArray(), part.Image(1).ToArray());
    }

    [TestMethod]
    public void RowsAreOrderedByCharacterFaceAndVariantAndHoldTheGlyph()
    {
        var images = GlyphImages.Render(Some, TwoFaces, variants: 2, augmentation: GlyphAugmentation.None, imageSize: 48);
        Assert.AreEqual(48, images.ImageSize);
        for (int r = 0; r < images.RowCount; r++)
        {
            Assert.AreEqual(r / 4, images.CharacterIndices[r]);
            Assert.AreEqual(r / 2 % 2, images.FaceIndices[r]);
            Assert.AreEqual(r % 2, images.VariantIndices[r]);
            var image = images.Image(r).ToArray();
            Assert.IsTrue(image.All(v => v is >= 0 and <= 1));
            // Ink covers a fair part of the image, and its bounding box is centred (the glyph is drawn centred on its ink).
            int[] inked = [.. Enumerable.Range(0, image.Length).Where(i => image[i] > 0.5f)];
            Assert.IsTrue(inked.Length > 48 * 48 / 20, $"row {r}: only {inked.Length} inked pixels");
            double midX = (inked.Min(i => i % 48) + inked.Max(i => i % 48)) / 2.0, midY = (inked.Min(i => i / 48) + inked.Max(i => i / 48)) / 2.0;
            Assert.AreEqual(23.5, midX, 1.5, $"row {r}");
            Assert.AreEqual(23.5, midY, 1.5, $"row {r}");
        }
        // Without augmentation the variants are identical; the faces differ.
        CollectionAssert.AreEqual(images.Image(0).ToArray(), images.Image(1).ToArray());
        Assert.IsFalse(images.Image(0).SequenceEqual(images.Image(2)));
    }

    [TestMethod]
    public void AMissingGlyphIsRefusedOrLeftOutNeverDrawnAsTofu()
    {
        GlyphFace[] faces = [Face("IPAGothic"), Face("Noto Sans CJK SC Regular")];
        var e = Assert.ThrowsExactly<ArgumentException>(() => GlyphImages.Render(["永", "们"], faces));
        StringAssert.Contains(e.Message, "Face 'IPAGothic'");
        StringAssert.Contains(e.Message, "'们' (U+4EEC)");
        StringAssert.Contains(e.Message, "skipMissingGlyphs");

        var images = GlyphImages.Render(["永", "们"], faces, skipMissingGlyphs: true);
        Assert.AreEqual(3, images.RowCount);                      // 永 in both faces, 们 in Noto only
        Assert.AreEqual(("们", "IPAGothic"), images.MissingGlyphs.Single());
        Assert.IsFalse(Enumerable.Range(0, images.RowCount).Any(r => images.CharacterIndices[r] == 1 && images.FaceIndices[r] == 0));

        // A character no face has, and a string that is not one character.
        e = Assert.ThrowsExactly<ArgumentException>(() => GlyphImages.Render(["\uE000"], faces, skipMissingGlyphs: true));
        StringAssert.Contains(e.Message, "No face has a glyph for");
        e = Assert.ThrowsExactly<ArgumentException>(() => GlyphImages.Render(["永远"], faces));
        StringAssert.Contains(e.Message, "not a single character");
    }

    [TestMethod]
    public void AMissingFontNamesThePackageThatInstallsIt()
    {
        var absent = new GlyphFace("Absent Sans", "Absent Sans", "/nonexistent/fonts/AbsentSans.ttc", 0, "fonts-absent");
        var e = Assert.ThrowsExactly<DataFormatException>(() => GlyphImages.Render(Some, [absent]));
        StringAssert.Contains(e.Message, "font 'Absent Sans' is not installed");
        StringAssert.Contains(e.Message, "Debian package fonts-absent");
        // The right file, the wrong face of the collection (index 0 is the Japanese face).
        var sans = Face("Noto Sans CJK SC Regular");
        e = Assert.ThrowsExactly<DataFormatException>(() => (sans with { Index = 0 }).Open());
        StringAssert.Contains(e.Message, "family 'Noto Sans CJK JP', expected 'Noto Sans CJK SC'");
    }

    [TestMethod]
    public void BadArgumentsAreRefused()
    {
        Assert.ThrowsExactly<ArgumentException>(() => GlyphImages.Render([], TwoFaces));
        Assert.ThrowsExactly<ArgumentException>(() => GlyphImages.Render(Some, []));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => GlyphImages.Render(["永", "永"], TwoFaces)).Message, "'永' is listed twice");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => GlyphImages.Render(Some, [TwoFaces[0], TwoFaces[0]])).Message, "listed twice");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => GlyphImages.Render(Some, TwoFaces, variants: 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => GlyphImages.Render(Some, TwoFaces, imageSize: 8));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new GlyphAugmentation { MaxRotationDegrees = 90 });
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new GlyphAugmentation { MaxBlur = -0.1 });
    }

    [TestMethod]
    public void DataViewServesChosenCharactersAndFacesWithTheirNames()
    {
        var ml = new MLContext(0);
        var images = GlyphImages.Render(Some, TwoFaces, variants: 2, seed: 3);
        var view = images.ToDataView(["龙", "永"], ["Noto Serif CJK SC Bold"]);
        Assert.AreEqual(4L, view.GetRowCount());
        var features = view.Schema[GlyphImages.FeatureColumnName];
        var type = (VectorDataViewType)features.Type;
        CollectionAssert.AreEqual(new[] { 1, 32, 32 }, type.Dimensions.ToArray());
        var label = view.Schema[GlyphImages.LabelColumnName];
        Assert.AreEqual(2UL, ((KeyDataViewType)label.Type).Count);
        VBuffer<ReadOnlyMemory<char>> names = default;
        label.GetKeyValues(ref names);
        CollectionAssert.AreEqual(new[] { "龙", "永" }, names.DenseValues().Select(n => n.ToString()).ToArray());   // the order asked for
        var face = view.Schema[GlyphImages.FaceColumnName];
        face.GetKeyValues(ref names);
        CollectionAssert.AreEqual(TwoFaces.Select(f => f.Name).ToArray(), names.DenseValues().Select(n => n.ToString()).ToArray());

        // Rows keep the set's order (永 before 龙), keys follow the order asked for (永 = 2), pixels are the set's.
        CollectionAssert.AreEqual(new uint[] { 2, 2, 1, 1 }, view.GetColumn<uint>(GlyphImages.LabelColumnName).ToArray());
        CollectionAssert.AreEqual(new uint[] { 2, 2, 2, 2 }, view.GetColumn<uint>(GlyphImages.FaceColumnName).ToArray());
        var pixels = view.GetColumn<float[]>(GlyphImages.FeatureColumnName).ToArray();
        int row = Enumerable.Range(0, images.RowCount).First(r => images.CharacterIndices[r] == 2 && images.FaceIndices[r] == 1);
        CollectionAssert.AreEqual(images.Image(row).ToArray(), pixels[0]);

        // The whole set; and choices it cannot serve.
        Assert.AreEqual((long)images.RowCount, images.ToDataView().GetRowCount());
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => images.ToDataView(["鱼"])).Message, "'鱼' is not in this set");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => images.ToDataView(faces: ["Comic Sans"])).Message, "'Comic Sans' is not in this set");
        var partial = GlyphImages.Render(["永", "们"], [Face("IPAGothic"), TwoFaces[0]], skipMissingGlyphs: true);
        Assert.AreEqual(3L, partial.ToDataView(["永", "们"]).GetRowCount());
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => partial.ToDataView(["永", "们"], ["IPAGothic"])).Message, "'们' has no image in the faces chosen");
    }

    [TestMethod]
    public void PngClassFoldersReadBackAsAnImageFolder()
    {
        var ml = new MLContext(0);
        var images = GlyphImages.Render(["永", "爱"], TwoFaces, variants: 2, seed: 9);
        string root = Path.Combine(Path.GetTempPath(), "glyph-png-" + Guid.NewGuid().ToString("N"));
        try
        {
            Assert.AreEqual(8, images.SavePng(root));
            var folder = ImageFolder.LoadPixels(ml, root, 32, 32, grayscale: true);
            VBuffer<ReadOnlyMemory<char>> names = default;
            folder.Schema["Label"].GetKeyValues(ref names);
            CollectionAssert.AreEquivalent(new[] { "永", "爱" }, names.DenseValues().Select(n => n.ToString()).ToArray());
            var pixels = folder.GetColumn<float[]>("Features").ToArray();
            Assert.AreEqual(8, pixels.Length);
            // The first file of 永 is "Noto Sans CJK SC Regular 0.png", row 0 of the set; PNG stores 8 bits.
            string first = Directory.GetFiles(Path.Combine(root, "永")).Order(StringComparer.Ordinal).First();
            Assert.AreEqual("Noto Sans CJK SC Regular 0.png", Path.GetFileName(first));
            var expected = images.Image(0).ToArray();
            var read = pixels[names.DenseValues().Select(n => n.ToString()).ToList().IndexOf("永") == 0 ? 0 : 4];
            for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], read[i], 0.5 / 255 + 1e-6);
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }
}

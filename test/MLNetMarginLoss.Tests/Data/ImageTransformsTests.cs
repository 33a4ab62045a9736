using MLNetMarginLoss.Data;
using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Tests.Data;

[TestClass]
public sealed class ImageTransformsTests
{
    private static Image Ramp(int channels, int height, int width)
    {
        var image = new Image(channels, height, width);
        for (int i = 0; i < image.Data.Length; i++) image.Data[i] = i;
        return image;
    }

    [TestMethod]
    public void ResizeIsBilinearWithHalfPixelCentres()
    {
        var image = new Image(1, 1, 2, [0f, 1f]);
        var up = ImageTransforms.Resize(image, 1, 4);
        // Output x samples input at (x + 0.5)/2 − 0.5 = −0.25 (clamped 0), 0.25, 0.75, 1.25 (clamped 1).
        CollectionAssert.AreEqual(new[] { 0f, 0.25f, 0.75f, 1f }, up.Data);
        var down = ImageTransforms.Resize(new Image(1, 2, 2, [0f, 2f, 4f, 6f]), 1, 1);
        Assert.AreEqual(3f, down.Data[0], 1e-6f, "the centre of a 2×2 block is its mean");
        var same = ImageTransforms.Resize(Ramp(3, 4, 5), 4, 5);
        CollectionAssert.AreEqual(Ramp(3, 4, 5).Data, same.Data);
    }

    [TestMethod]
    public void GrayscaleUsesItuLumaAndRgbRepeatsGray()
    {
        var rgb = new Image(3, 1, 2, [1f, 0f, 0f, 1f, 0f, 0f]); // red, green
        var gray = ImageTransforms.ToGrayscale(rgb);
        Assert.AreEqual(1, gray.Channels);
        Assert.AreEqual(0.299f, gray.Data[0], 1e-6f);
        Assert.AreEqual(0.587f, gray.Data[1], 1e-6f);
        var back = ImageTransforms.ToRgb(new Image(2, 1, 1, [0.5f, 1f]));
        CollectionAssert.AreEqual(new[] { 0.5f, 0.5f, 0.5f }, back.Data, "gray repeated, alpha dropped");
    }

    [TestMethod]
    public void NormalizeSubtractsMeanAndDividesByStd()
    {
        var n = ImageTransforms.Normalize(new Image(2, 1, 2, [1f, 3f, 10f, 20f]), [2f, 10f], [1f, 5f]);
        CollectionAssert.AreEqual(new[] { -1f, 1f, 0f, 2f }, n.Data);
        Assert.ThrowsExactly<ArgumentException>(() => ImageTransforms.Normalize(new Image(2, 1, 1), [0f, 0f, 0f], [1f]));
        Assert.ThrowsExactly<ArgumentException>(() => ImageTransforms.Normalize(new Image(1, 1, 1), [0f], [0f]));
    }

    [TestMethod]
    public void CentreCropAndPaddedCrop()
    {
        var image = Ramp(1, 4, 4); // values 0..15
        CollectionAssert.AreEqual(new[] { 5f, 6f, 9f, 10f }, ImageTransforms.CenterCrop(image, 2, 2).Data);
        var padded = ImageTransforms.CenterCrop(new Image(1, 1, 1, [7f]), 3, 3);
        CollectionAssert.AreEqual(new[] { 0f, 0f, 0f, 0f, 7f, 0f, 0f, 0f, 0f }, padded.Data);
    }

    [TestMethod]
    public void RandomCropIsSeededAndStaysInsideThePaddedImage()
    {
        var image = Ramp(1, 6, 6);
        var a = ImageTransforms.RandomCrop(image, 3, 3, new SeededRandom(5), padding: 1);
        var b = ImageTransforms.RandomCrop(image, 3, 3, new SeededRandom(5), padding: 1);
        CollectionAssert.AreEqual(a.Data, b.Data, "same seed, same crop");
        var rng = new SeededRandom(9);
        var seen = new HashSet<float>();
        for (int i = 0; i < 200; i++)
        {
            var c = ImageTransforms.RandomCrop(image, 3, 3, rng, padding: 1);
            // The centre pixel of a 3×3 window in the padded 8×8 image is always a real pixel.
            float centre = c[0, 1, 1];
            Assert.IsTrue(centre >= 0 && centre <= 35 && centre == MathF.Floor(centre));
            seen.Add(centre);
            // Neighbours are consistent with a contiguous window: right neighbour = centre + 1 when inside.
            if (c[0, 1, 2] != 0) Assert.AreEqual(centre + 1, c[0, 1, 2]);
        }
        Assert.AreEqual(36, seen.Count, "every one of the 6×6 window positions occurs");
        Assert.ThrowsExactly<ArgumentException>(() => ImageTransforms.RandomCrop(image, 9, 9, rng));
    }

    [TestMethod]
    public void HorizontalFlipMirrorsRows()
    {
        var flipped = ImageTransforms.HorizontalFlip(Ramp(2, 2, 3));
        CollectionAssert.AreEqual(new[] { 2f, 1f, 0f, 5f, 4f, 3f, 8f, 7f, 6f, 11f, 10f, 9f }, flipped.Data);
        var rng = new SeededRandom(3);
        int flips = 0;
        for (int i = 0; i < 400; i++) if (ImageTransforms.RandomHorizontalFlip(Ramp(1, 1, 2), rng).Data[0] == 1f) flips++;
        Assert.IsTrue(flips is > 150 and < 250, $"about half flipped, found {flips}/400");
    }

    [TestMethod]
    public void RotationByRightAnglesMovesPixelsExactly()
    {
        var image = Ramp(1, 3, 3); // 0 1 2 / 3 4 5 / 6 7 8
        // 90° counter-clockwise: the top row becomes the left column, read bottom-up.
        CollectionAssert.AreEqual(new[] { 2f, 5f, 8f, 1f, 4f, 7f, 0f, 3f, 6f }, ImageTransforms.Rotate(image, 90).Data);
        CollectionAssert.AreEqual(new[] { 8f, 7f, 6f, 5f, 4f, 3f, 2f, 1f, 0f }, ImageTransforms.Rotate(image, 180).Data);
        CollectionAssert.AreEqual(image.Data, ImageTransforms.Rotate(image, 360).Data);
        var r45 = ImageTransforms.Rotate(new Image(1, 3, 3, [0, 0, 0, 0, 1, 0, 0, 0, 0]), 45, fill: -1);
        Assert.AreEqual(1f, r45[0, 1, 1], 1e-6f, "the centre stays");
        Assert.IsTrue(r45[0, 0, 0] < 0, "a corner samples outside the source after 45°, so it gets the fill");
    }

    [TestMethod]
    public void HistogramEqualisationMatchesPilsAlgorithm()
    {
        // Levels 0, 64, 128 with counts 2, 1, 1 (4 pixels). PIL: step = (4 − 1) // 255 = 0 → unchanged.
        var small = ImageTransforms.EqualizeHistogram(new Image(1, 1, 4, [0f, 0f, 64 / 255f, 128 / 255f]));
        CollectionAssert.AreEqual(new[] { 0f, 0f, 64 / 255f, 128 / 255f }, small.Data);

        // 510 pixels: 255 at level 10, 255 at level 20. step = (510 − 255) // 255 = 1; n starts at 0:
        // lut[0..10] = 0, lut[11..20] = 255 → level 10 → 0, level 20 → 255.
        var data = new float[510];
        for (int i = 0; i < 510; i++) data[i] = (i < 255 ? 10 : 20) / 255f;
        var eq = ImageTransforms.EqualizeHistogram(new Image(1, 1, 510, data));
        Assert.AreEqual(0f, eq.Data[0]);
        Assert.AreEqual(1f, eq.Data[509]);
    }
}

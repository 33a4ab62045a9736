using MLNetMarginLoss.Data;

namespace MLNetMarginLoss.Tests.Data;

[TestClass]
public sealed class JpegDecoderTests
{
    [TestMethod]
    public void TurboJpegLoadsWhereSetupInstalledIt()
    {
        // build/setup.sh installs libturbojpeg0, so JPEG decoding must be live.
        Assert.IsTrue(JpegDecoder.IsAvailable, "libturbojpeg.so.0 did not load; run build/setup.sh.");
    }

    [TestMethod]
    public void DecodesColourAndGrayJpegsCloseToTheirSource()
    {
        const int width = 16, height = 8;
        var rgb = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                int i = (y * width + x) * 3;
                rgb[i] = (byte)(x * 16); rgb[i + 1] = (byte)(y * 32); rgb[i + 2] = 128;
            }
        var image = ImageDecoder.Decode(TestJpegEncoder.Encode(rgb, width, height, gray: false), "rgb.jpg");
        Assert.AreEqual(3, image.Channels);
        Assert.AreEqual(height, image.Height);
        Assert.AreEqual(width, image.Width);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                for (int c = 0; c < 3; c++)
                    Assert.AreEqual(rgb[(y * width + x) * 3 + c] / 255f, image[c, y, x], 6 / 255f, $"({c},{y},{x})");

        var gray = new byte[width * height];
        for (int i = 0; i < gray.Length; i++) gray[i] = (byte)(i * 2);
        var g = JpegDecoder.Decode(TestJpegEncoder.Encode(gray, width, height, gray: true), "gray.jpg");
        Assert.AreEqual(1, g.Channels);
        for (int i = 0; i < gray.Length; i++) Assert.AreEqual(gray[i] / 255f, g.Data[i], 4 / 255f);
    }

    [TestMethod]
    public void CorruptJpegsFailWithThePath()
    {
        var rgb = new byte[8 * 8 * 3];
        for (int i = 0; i < rgb.Length; i++) rgb[i] = (byte)(i * 7);
        var jpeg = TestJpegEncoder.Encode(rgb, 8, 8, gray: false);
        var truncated = jpeg[..(jpeg.Length / 2)];
        var ex = Assert.ThrowsExactly<DataFormatException>(() => ImageDecoder.Decode(truncated, "/photos/cut.jpg"));
        StringAssert.StartsWith(ex.Message, "/photos/cut.jpg: JPEG");
        var headerOnly = jpeg[..4];
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => ImageDecoder.Decode(headerOnly, "h.jpg")).Message, "h.jpg: JPEG header is not readable");
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => ImageDecoder.Decode("BM not an image"u8.ToArray(), "b.bmp")).Message, "not a PNG or JPEG image");
    }
}

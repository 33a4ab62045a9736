using MLNetMarginLoss.Data;
using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Tests.Data;

[TestClass]
public sealed class PngDecoderTests
{
    private static int SamplesPerPixel(int colorType) => colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };

    private static int[] RandomSamples(int count, int bitDepth, long seed, int maxExclusive = 0)
    {
        var rng = new SeededRandom(seed);
        int max = maxExclusive > 0 ? maxExclusive : 1 << bitDepth;
        return [.. Enumerable.Range(0, count).Select(_ => rng.NextInt(max))];
    }

    [TestMethod]
    public void EncoderCrcMatchesTheValueEveryPngEndsWith()
    {
        // Every PNG's IEND chunk carries the CRC AE 42 60 82.
        Assert.AreEqual(0xAE426082u, TestPngEncoder.Crc("IEND"u8.ToArray()));
    }

    [TestMethod]
    [DataRow(0, 1), DataRow(0, 2), DataRow(0, 4), DataRow(0, 8), DataRow(0, 16)]
    [DataRow(2, 8), DataRow(2, 16), DataRow(4, 8), DataRow(4, 16), DataRow(6, 8), DataRow(6, 16)]
    public void DecodesEveryColourTypeAndDepthWithAllFiltersPlainAndInterlaced(int colorType, int bitDepth)
    {
        const int width = 13, height = 11;
        int spp = SamplesPerPixel(colorType);
        var samples = RandomSamples(width * height * spp, bitDepth, seed: colorType * 100 + bitDepth);
        float max = (1 << bitDepth) - 1;
        foreach (bool interlaced in new[] { false, true })
        {
            var png = TestPngEncoder.Encode(width, height, colorType, bitDepth, samples, cycleFilters: true, interlaced: interlaced);
            var image = PngDecoder.Decode(png, "test.png");
            Assert.AreEqual(spp, image.Channels);
            Assert.AreEqual(height, image.Height);
            Assert.AreEqual(width, image.Width);
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                    for (int c = 0; c < spp; c++)
                        Assert.AreEqual(samples[(y * width + x) * spp + c] / max, image[c, y, x], 1e-6f, $"interlaced={interlaced} ({c},{y},{x})");
        }
    }

    [TestMethod]
    [DataRow(0), DataRow(1), DataRow(2), DataRow(3), DataRow(4)]
    public void DecodesEachFilterType(int filter)
    {
        const int width = 9, height = 7;
        var rgba = RandomSamples(width * height * 4, 8, seed: 40 + filter);
        var image = PngDecoder.Decode(TestPngEncoder.Encode(width, height, 6, 8, rgba, filter: filter), "rgba.png");
        for (int i = 0; i < rgba.Length; i++)
            Assert.AreEqual(rgba[i] / 255f, image[i % 4, i / 4 / width, i / 4 % width], 1e-6f);
        var gray16 = RandomSamples(width * height, 16, seed: 50 + filter);
        var g = PngDecoder.Decode(TestPngEncoder.Encode(width, height, 0, 16, gray16, filter: filter), "g16.png");
        for (int i = 0; i < gray16.Length; i++) Assert.AreEqual(gray16[i] / 65535f, g.Data[i], 1e-6f);
    }

    [TestMethod]
    [DataRow(1), DataRow(2), DataRow(4), DataRow(8)]
    public void DecodesPaletteImagesWithAndWithoutTransparency(int bitDepth)
    {
        const int width = 10, height = 5;
        int entries = Math.Min(1 << bitDepth, 6);
        var palette = new byte[3 * entries];
        for (int i = 0; i < palette.Length; i++) palette[i] = (byte)(17 * i + 3);
        var indices = RandomSamples(width * height, bitDepth, seed: bitDepth, maxExclusive: entries);
        var image = PngDecoder.Decode(TestPngEncoder.Encode(width, height, 3, bitDepth, indices, cycleFilters: true, palette: palette), "p.png");
        Assert.AreEqual(3, image.Channels);
        for (int i = 0; i < indices.Length; i++)
            for (int c = 0; c < 3; c++) Assert.AreEqual(palette[3 * indices[i] + c] / 255f, image[c, i / width, i % width], 1e-6f);

        byte[] alpha = [0, 128]; // entries beyond the tRNS table are opaque
        var withAlpha = PngDecoder.Decode(TestPngEncoder.Encode(width, height, 3, bitDepth, indices, palette: palette, transparency: alpha), "pa.png");
        Assert.AreEqual(4, withAlpha.Channels);
        for (int i = 0; i < indices.Length; i++)
            Assert.AreEqual(indices[i] < 2 ? alpha[indices[i]] / 255f : 1f, withAlpha[3, i / width, i % width], 1e-6f);
    }

    [TestMethod]
    public void RejectsCorruptFilesWithTheSourceInTheMessage()
    {
        var samples = RandomSamples(8 * 8, 8, seed: 1);
        var png = TestPngEncoder.Encode(8, 8, 0, 8, samples);

        var flipped = (byte[])png.Clone();
        flipped[^20] ^= 0x10; // inside the last IDAT chunk's data
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => PngDecoder.Decode(flipped, "x.png")).Message, "fails its CRC check");

        var truncated = png[..(png.Length - 30)];
        var ex = Assert.ThrowsExactly<DataFormatException>(() => PngDecoder.Decode(truncated, "x.png"));
        StringAssert.StartsWith(ex.Message, "x.png: ");
        StringAssert.Contains(ex.Message, "truncated");

        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => PngDecoder.Decode("GIF89a.........."u8.ToArray(), "x.gif")).Message, "not a PNG");

        var badFilter = TestPngEncoder.Encode(8, 8, 0, 8, samples, filter: 7);
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => PngDecoder.Decode(badFilter, "f.png")).Message, "filter type 7");

        var badIndex = TestPngEncoder.Encode(2, 1, 3, 8, [0, 5], palette: [1, 2, 3]);
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => PngDecoder.Decode(badIndex, "p.png")).Message, "palette entry 5");

        var badDepth = TestPngEncoder.Encode(2, 1, 2, 8, [0, 0, 0, 0, 0, 0]);
        badDepth[24] = 4; // IHDR bit depth byte: RGB at 4 bits is not allowed (CRC is checked first, so recompute it)
        var fixedCrc = Recrc(badDepth, 8);
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => PngDecoder.Decode(fixedCrc, "d.png")).Message, "colour type 2 with bit depth 4");
    }

    private static byte[] Recrc(byte[] png, int chunkStart)
    {
        int length = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(chunkStart));
        uint crc = TestPngEncoder.Crc(png.AsSpan(chunkStart + 4, 4 + length).ToArray());
        var copy = (byte[])png.Clone();
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(copy.AsSpan(chunkStart + 8 + length), crc);
        return copy;
    }
}

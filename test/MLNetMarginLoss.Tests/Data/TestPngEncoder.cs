using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace MLNetMarginLoss.Tests.Data;

/// <summary>
/// A tiny PNG writer for tests: any colour type and bit depth, a chosen filter per row (or cycling through all five),
/// optional Adam7 interlacing, palette and tRNS. Samples are given as raw integers, row-major, interleaved.
/// </summary>
internal static class TestPngEncoder
{
    public static byte[] Encode(int width, int height, int colorType, int bitDepth, int[] samples,
        int filter = 0, bool cycleFilters = false, bool interlaced = false, byte[]? palette = null, byte[]? transparency = null)
    {
        int spp = colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };
        if (samples.Length != width * height * spp) throw new ArgumentException("sample count");
        int bitsPerPixel = spp * bitDepth, bpp = Math.Max(1, bitsPerPixel / 8);
        using var raw = new MemoryStream();
        (int X0, int Y0, int DX, int DY)[] passes = interlaced
            ? [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
            : [(0, 0, 1, 1)];
        int rowCounter = 0;
        foreach (var (x0, y0, dx, dy) in passes)
        {
            int pw = width > x0 ? (width - x0 + dx - 1) / dx : 0, ph = height > y0 ? (height - y0 + dy - 1) / dy : 0;
            if (pw == 0 || ph == 0) continue;
            int rowBytes = (pw * bitsPerPixel + 7) / 8;
            byte[] prior = new byte[rowBytes];
            for (int r = 0; r < ph; r++)
            {
                var line = new byte[rowBytes];
                int y = y0 + r * dy;
                for (int c = 0; c < pw; c++)
                    for (int s = 0; s < spp; s++)
                        Put(line, c * spp + s, bitDepth, samples[((y * width) + x0 + c * dx) * spp + s]);
                int f = cycleFilters ? rowCounter % 5 : filter;
                rowCounter++;
                raw.WriteByte((byte)f);
                raw.Write(Filter(line, r == 0 ? new byte[rowBytes] : prior, bpp, f));
                prior = line;
            }
        }
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = (byte)bitDepth; ihdr[9] = (byte)colorType; ihdr[12] = (byte)(interlaced ? 1 : 0);
        Chunk(png, "IHDR", ihdr);
        if (palette is not null) Chunk(png, "PLTE", palette);
        if (transparency is not null) Chunk(png, "tRNS", transparency);
        Chunk(png, "tEXt", Encoding.ASCII.GetBytes("Comment\0ancillary chunks are skipped"));
        using var z = new MemoryStream();
        using (var zs = new ZLibStream(z, CompressionLevel.Optimal, leaveOpen: true)) zs.Write(raw.ToArray());
        var compressed = z.ToArray();
        int half = compressed.Length / 2; // two IDAT chunks: the decoder must concatenate them
        Chunk(png, "IDAT", compressed[..half]);
        Chunk(png, "IDAT", compressed[half..]);
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Put(byte[] line, int index, int depth, int value)
    {
        switch (depth)
        {
            case 8: line[index] = (byte)value; break;
            case 16: line[2 * index] = (byte)(value >> 8); line[2 * index + 1] = (byte)value; break;
            default:
                int bit = index * depth;
                line[bit / 8] |= (byte)(value << (8 - depth - bit % 8));
                break;
        }
    }

    private static byte[] Filter(byte[] line, byte[] prior, int bpp, int type)
    {
        var outp = new byte[line.Length];
        for (int i = 0; i < line.Length; i++)
        {
            int a = i >= bpp ? line[i - bpp] : 0, b = prior[i], c = i >= bpp ? prior[i - bpp] : 0;
            int predictor = type switch
            {
                0 => 0,
                1 => a,
                2 => b,
                3 => (a + b) / 2,
                _ => Paeth(a, b, c),
            };
            outp[i] = (byte)(line[i] - predictor);
        }
        return outp;
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        if (pa <= pb && pa <= pc) return a;
        return pb <= pc ? b : c;
    }

    public static void Chunk(Stream s, string type, byte[] data)
    {
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
        s.Write(len);
        var typeAndData = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        s.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(len, Crc(typeAndData));
        s.Write(len);
    }

    /// <summary>A bitwise CRC-32 (no table), independent of the decoder's table-driven one.</summary>
    public static uint Crc(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xEDB88320u & (uint)-(int)(crc & 1));
        }
        return ~crc;
    }
}

using System.Buffers.Binary;
using System.IO.Compression;

namespace MLNetMarginLoss.Data;

/// <summary>
/// A managed PNG decoder (zlib through <see cref="ZLibStream"/>): gray, gray+alpha, RGB, RGBA and palette images at
/// every bit depth the format allows (1, 2, 4, 8, 16), all five row filters, and Adam7 interlacing. Chunk CRCs are
/// checked. The image keeps the file's channels (gray 1, gray+alpha 2, RGB 3, RGBA 4; palette 3, or 4 with a
/// tRNS chunk) with values scaled to [0, 1].
/// </summary>
public static class PngDecoder
{
    /// <summary>The eight bytes every PNG file starts with.</summary>
    public static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The largest pixel count accepted (guards against forged headers).</summary>
    public const long MaxPixels = 1L << 28;

    /// <summary>True when <paramref name="bytes"/> start with the PNG signature.</summary>
    public static bool IsPng(ReadOnlySpan<byte> bytes) => bytes.StartsWith(Signature);

    /// <summary>Decodes a PNG file.</summary>
    /// <exception cref="DataFormatException">The file is not a PNG or is corrupt.</exception>
    public static Image Decode(string path) => Decode(File.ReadAllBytes(path), path);

    /// <summary>Decodes PNG bytes; <paramref name="source"/> names them in error messages.</summary>
    /// <exception cref="DataFormatException">The bytes are not a PNG or are corrupt.</exception>
    public static Image Decode(byte[] bytes, string source)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (!IsPng(bytes)) throw new DataFormatException(source, "is not a PNG file (the 8-byte signature is missing).");
        int pos = 8;
        Header? header = null;
        byte[]? palette = null, transparency = null;
        using var idat = new MemoryStream();
        bool ended = false;
        while (!ended)
        {
            if (pos + 12 > bytes.Length) throw new DataFormatException(source, "PNG is truncated (a chunk header or the IEND chunk is missing).");
            uint length = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(pos));
            if (length > int.MaxValue || pos + 12 + (long)length > bytes.Length)
                throw new DataFormatException(source, $"PNG is truncated: a chunk at byte {pos} declares {length} bytes beyond the end of the file.");
            var type = bytes.AsSpan(pos + 4, 4);
            var data = bytes.AsSpan(pos + 8, (int)length);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(pos + 8 + (int)length));
            string typeName = System.Text.Encoding.ASCII.GetString(type);
            if (Crc32(bytes.AsSpan(pos + 4, 4 + (int)length)) != crc)
                throw new DataFormatException(source, $"PNG chunk '{typeName}' at byte {pos} fails its CRC check (corrupt file).");
            if (header is null && typeName != "IHDR") throw new DataFormatException(source, $"PNG must start with an IHDR chunk, found '{typeName}'.");
            switch (typeName)
            {
                case "IHDR": header = ReadHeader(data, source); break;
                case "PLTE":
                    if (length % 3 != 0 || length == 0 || length > 768) throw new DataFormatException(source, $"PNG palette has {length} bytes; expected a multiple of 3 up to 768.");
                    palette = data.ToArray();
                    break;
                case "tRNS": transparency = data.ToArray(); break;
                case "IDAT": idat.Write(data); break;
                case "IEND": ended = true; break;
                default:
                    if ((type[0] & 0x20) == 0) throw new DataFormatException(source, $"PNG has an unknown critical chunk '{typeName}'.");
                    break; // ancillary chunks (gAMA, tEXt, …) are skipped
            }
            pos += 12 + (int)length;
        }
        var h = header!.Value;
        if (h.ColorType == 3 && palette is null) throw new DataFormatException(source, "PNG palette image has no PLTE chunk.");
        if (idat.Length == 0) throw new DataFormatException(source, "PNG has no image data (IDAT).");

        long rawSize = 0;
        foreach (var p in Passes(h)) rawSize += (long)p.Height * (1 + RowBytes(h, p.Width));
        if (rawSize > Array.MaxLength) throw new DataFormatException(source, $"PNG of {h.Width}×{h.Height} is too large.");
        var raw = new byte[rawSize];
        try
        {
            idat.Position = 0;
            using var z = new ZLibStream(idat, CompressionMode.Decompress);
            int got = z.ReadAtLeast(raw, raw.Length, throwOnEndOfStream: false);
            if (got < raw.Length) throw new DataFormatException(source, $"PNG image data is truncated: {got} of {raw.Length} bytes after decompression.");
        }
        catch (InvalidDataException e) { throw new DataFormatException(source, $"PNG image data is not valid zlib data: {e.Message}", e); }

        int channels = h.ColorType switch { 0 => 1, 2 => 3, 3 => transparency is null ? 3 : 4, 4 => 2, _ => 4 };
        var image = new Image(channels, h.Height, h.Width);
        int offset = 0;
        foreach (var p in Passes(h))
        {
            if (p.Width == 0 || p.Height == 0) continue;
            int rowBytes = RowBytes(h, p.Width);
            Unfilter(raw.AsSpan(offset, p.Height * (rowBytes + 1)), p.Height, rowBytes, Math.Max(1, h.BitsPerPixel / 8), source);
            for (int r = 0; r < p.Height; r++)
            {
                var row = raw.AsSpan(offset + r * (rowBytes + 1) + 1, rowBytes);
                int y = p.Y0 + r * p.DY;
                for (int c = 0; c < p.Width; c++)
                    StorePixel(image, h, row, c, y, p.X0 + c * p.DX, palette!, transparency, source);
            }
            offset += p.Height * (rowBytes + 1);
        }
        return image;
    }

    private readonly record struct Header(int Width, int Height, int BitDepth, int ColorType, bool Interlaced)
    {
        public int SamplesPerPixel => ColorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };
        public int BitsPerPixel => SamplesPerPixel * BitDepth;
    }

    private readonly record struct Pass(int X0, int Y0, int DX, int DY, int Width, int Height);

    private static Header ReadHeader(ReadOnlySpan<byte> d, string source)
    {
        if (d.Length != 13) throw new DataFormatException(source, $"PNG IHDR has {d.Length} bytes; expected 13.");
        uint w = BinaryPrimitives.ReadUInt32BigEndian(d), hgt = BinaryPrimitives.ReadUInt32BigEndian(d[4..]);
        int depth = d[8], color = d[9];
        if (w == 0 || hgt == 0 || w > int.MaxValue || hgt > int.MaxValue || (long)w * hgt > MaxPixels)
            throw new DataFormatException(source, $"PNG size {w}×{hgt} is empty or larger than {MaxPixels} pixels.");
        bool ok = color switch
        {
            0 => depth is 1 or 2 or 4 or 8 or 16,
            3 => depth is 1 or 2 or 4 or 8,
            2 or 4 or 6 => depth is 8 or 16,
            _ => false,
        };
        if (!ok) throw new DataFormatException(source, $"PNG colour type {color} with bit depth {depth} is not a valid combination.");
        if (d[10] != 0 || d[11] != 0) throw new DataFormatException(source, $"PNG compression method {d[10]} / filter method {d[11]} is unknown; expected 0 / 0.");
        if (d[12] > 1) throw new DataFormatException(source, $"PNG interlace method {d[12]} is unknown; expected 0 or 1 (Adam7).");
        return new Header((int)w, (int)hgt, depth, color, d[12] == 1);
    }

    private static readonly (int X0, int Y0, int DX, int DY)[] Adam7 =
        [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];

    private static IEnumerable<Pass> Passes(Header h)
    {
        if (!h.Interlaced)
        {
            yield return new Pass(0, 0, 1, 1, h.Width, h.Height);
            yield break;
        }
        foreach (var (x0, y0, dx, dy) in Adam7)
            yield return new Pass(x0, y0, dx, dy, h.Width > x0 ? (h.Width - x0 + dx - 1) / dx : 0, h.Height > y0 ? (h.Height - y0 + dy - 1) / dy : 0);
    }

    private static int RowBytes(Header h, int width) => (int)(((long)width * h.BitsPerPixel + 7) / 8);

    private static void Unfilter(Span<byte> data, int rows, int rowBytes, int bpp, string source)
    {
        int stride = rowBytes + 1;
        for (int r = 0; r < rows; r++)
        {
            var line = data.Slice(r * stride + 1, rowBytes);
            var prior = r == 0 ? default : data.Slice((r - 1) * stride + 1, rowBytes);
            byte filter = data[r * stride];
            switch (filter)
            {
                case 0: break;
                case 1:
                    for (int i = bpp; i < rowBytes; i++) line[i] += line[i - bpp];
                    break;
                case 2:
                    if (r > 0) for (int i = 0; i < rowBytes; i++) line[i] += prior[i];
                    break;
                case 3:
                    for (int i = 0; i < rowBytes; i++)
                    {
                        int left = i >= bpp ? line[i - bpp] : 0, up = r > 0 ? prior[i] : 0;
                        line[i] += (byte)((left + up) >> 1);
                    }
                    break;
                case 4:
                    for (int i = 0; i < rowBytes; i++)
                    {
                        int a = i >= bpp ? line[i - bpp] : 0, b = r > 0 ? prior[i] : 0, c = i >= bpp && r > 0 ? prior[i - bpp] : 0;
                        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
                        line[i] += (byte)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
                    }
                    break;
                default:
                    throw new DataFormatException(source, $"PNG row {r} uses filter type {filter}; expected 0–4 (corrupt image data).");
            }
        }
    }

    private static int Sample(ReadOnlySpan<byte> row, int index, int depth) => depth switch
    {
        8 => row[index],
        16 => (row[2 * index] << 8) | row[2 * index + 1],
        _ => (row[index * depth / 8] >> (8 - depth - (index * depth % 8))) & ((1 << depth) - 1),
    };

    private static void StorePixel(Image image, Header h, ReadOnlySpan<byte> row, int column, int y, int x, byte[] palette, byte[]? transparency, string source)
    {
        int spp = h.SamplesPerPixel;
        if (h.ColorType == 3)
        {
            int index = Sample(row, column, h.BitDepth);
            if (3 * index + 2 >= palette.Length)
                throw new DataFormatException(source, $"PNG pixel ({x}, {y}) uses palette entry {index}, but the palette has {palette.Length / 3}.");
            for (int c = 0; c < 3; c++) image[c, y, x] = palette[3 * index + c] / 255f;
            if (image.Channels == 4) image[3, y, x] = index < transparency!.Length ? transparency[index] / 255f : 1f;
            return;
        }
        float scale = 1f / ((1 << h.BitDepth) - 1);
        for (int c = 0; c < spp; c++) image[c, y, x] = Sample(row, column * spp + c, h.BitDepth) * scale;
    }

    private static readonly uint[] CrcTable = BuildCrcTable();

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }

    /// <summary>The CRC-32 (ISO-HDLC, as PNG uses) of <paramref name="data"/>.</summary>
    internal static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFFu;
        foreach (byte b in data) c = CrcTable[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }
}

using System.Buffers.Binary;
using System.IO.Compression;
using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Data;

/// <summary>
/// Reads IDX files (the MNIST / Fashion-MNIST format: magic <c>00 00 08 nd</c>, nd big-endian 32-bit dimensions,
/// then unsigned bytes), raw or gzip-compressed (detected from the first two bytes, not the file name).
/// An images file plus a labels file become a <see cref="Dataset"/> of shape (1, rows, columns) with pixels scaled to [0, 1].
/// </summary>
internal static class IdxReader
{
    /// <summary>The element-type byte of unsigned 8-bit data, the only type this reader accepts.</summary>
    public const byte UnsignedByteType = 0x08;

    /// <summary>Reads an images file and a labels file into a dataset.</summary>
    /// <param name="imagesPath">IDX file of N × rows × columns (or N × features) unsigned bytes.</param>
    /// <param name="labelsPath">IDX file of N unsigned-byte labels.</param>
    /// <param name="limit">Read only the first <paramref name="limit"/> rows (all when null).</param>
    /// <param name="classNames">Names for the label values; default "0", "1", … up to the largest label.</param>
    /// <exception cref="DataFormatException">A file is not IDX, is truncated, or the two files disagree.</exception>
    public static Dataset Load(string imagesPath, string labelsPath, int? limit = null, IReadOnlyList<string>? classNames = null)
    {
        if (limit is < 0) throw new ArgumentOutOfRangeException(nameof(limit), limit, "The row limit must not be negative.");
        var (imageDims, pixels) = ReadBytes(imagesPath, limit);
        if (imageDims.Length is < 2 or > 3)
            throw new DataFormatException(imagesPath, $"expected an IDX images file with 2 or 3 dimensions (N×features or N×rows×columns), found {imageDims.Length}.");
        var (labelDims, labelBytes) = ReadBytes(labelsPath, limit);
        if (labelDims.Length != 1)
            throw new DataFormatException(labelsPath, $"expected an IDX labels file with 1 dimension, found {labelDims.Length}.");
        if (labelDims[0] != imageDims[0])
            throw new DataFormatException(labelsPath, $"has {labelDims[0]} labels but {imagesPath} has {imageDims[0]} images.");

        var shape = imageDims.Length == 3 ? new TensorShape(1, imageDims[1], imageDims[2]) : TensorShape.Vector(imageDims[1]);
        var features = new float[pixels.Length];
        const float scale = 1f / 255f;
        for (int i = 0; i < pixels.Length; i++) features[i] = pixels[i] * scale;
        var labels = new int[labelBytes.Length];
        for (int i = 0; i < labels.Length; i++) labels[i] = labelBytes[i];
        if (classNames is not null)
            for (int i = 0; i < labels.Length; i++)
                if (labels[i] >= classNames.Count)
                    throw new DataFormatException(labelsPath, $"row {i + 1}: label {labels[i]} has no class name (expected 0–{classNames.Count - 1}).");
        return new Dataset(features, shape, labels, classNames, imagesPath);
    }

    /// <summary>
    /// Reads one IDX file of unsigned bytes: its dimensions (first = item count, already cut to <paramref name="limit"/>)
    /// and the data, item after item.
    /// </summary>
    /// <exception cref="DataFormatException">The file is not an unsigned-byte IDX file or is shorter than its header says.</exception>
    public static (int[] Dimensions, byte[] Data) ReadBytes(string path, int? limit = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: IDX file not found.", path);
        try
        {
            using var file = File.OpenRead(path);
            Span<byte> magic = stackalloc byte[2];
            int got = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
            file.Position = 0;
            using Stream stream = got == 2 && magic[0] == 0x1F && magic[1] == 0x8B ? new GZipStream(file, CompressionMode.Decompress) : file;
            return ReadBytes(stream, path, limit);
        }
        catch (InvalidDataException e) { throw new DataFormatException(path, $"is not readable gzip data: {e.Message}", e); }
        catch (EndOfStreamException e) { throw new DataFormatException(path, "is truncated (ends inside its header).", e); }
    }

    private static (int[] Dimensions, byte[] Data) ReadBytes(Stream stream, string path, int? limit)
    {
        Span<byte> head = stackalloc byte[4];
        stream.ReadExactly(head);
        if (head[0] != 0 || head[1] != 0)
            throw new DataFormatException(path, $"is not an IDX file: expected magic 00 00 08 nn, found {Convert.ToHexString(head)}.");
        if (head[2] != UnsignedByteType)
            throw new DataFormatException(path, $"has IDX element type 0x{head[2]:X2}; only unsigned bytes (0x08) are supported.");
        int rank = head[3];
        if (rank is < 1 or > 4) throw new DataFormatException(path, $"has {rank} dimensions; expected 1 to 4.");
        var dims = new int[rank];
        long itemSize = 1;
        for (int d = 0; d < rank; d++)
        {
            stream.ReadExactly(head);
            uint v = BinaryPrimitives.ReadUInt32BigEndian(head);
            if (v > int.MaxValue) throw new DataFormatException(path, $"dimension {d} is {v}, too large.");
            dims[d] = (int)v;
            if (d > 0) itemSize *= v;
        }
        int count = limit is int l ? Math.Min(l, dims[0]) : dims[0];
        long total = itemSize * count;
        if (total > Array.MaxLength) throw new DataFormatException(path, $"holds {total} bytes, more than one array can (use a row limit).");
        var data = new byte[total];
        int read = stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false);
        if (read < data.Length)
            throw new DataFormatException(path, $"is truncated: the header promises {count} items of {itemSize} bytes ({total} bytes), found {read}.");
        dims[0] = count;
        return (dims, data);
    }
}

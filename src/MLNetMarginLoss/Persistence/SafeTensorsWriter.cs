using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace MLNetMarginLoss.Persistence;

/// <summary>
/// Writes float tensors in the safetensors layout that Python tools read (<c>safetensors.torch.load_file</c>,
/// <c>safetensors.numpy.load_file</c>): an 8-byte little-endian header length, a JSON header
/// <c>{"__metadata__": {...}, name: {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...}</c>
/// padded with spaces to a multiple of 8 bytes, then the raw little-endian data, tensors back to back in the order given.
/// </summary>
internal static class SafeTensorsWriter
{
    /// <summary>The key of the string-to-string metadata map in the header.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>Writes the tensors (and optional string metadata) to <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException">A name is empty, repeated or reserved, a dimension is negative, or a data length does not match its shape.</exception>
    public static void Write(Stream destination, IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        byte[] header = BuildHeader(tensors, metadata);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        destination.Write(length);
        destination.Write(header);
        foreach (var t in tensors) WriteLittleEndian(destination, t.Data);
    }

    /// <summary>The whole safetensors file as a byte array.</summary>
    public static byte[] ToBytes(IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var ms = new MemoryStream();
        Write(ms, tensors, metadata);
        return ms.ToArray();
    }

    /// <summary>Writes the tensors to a file (replacing it).</summary>
    public static void Write(string path, IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var fs = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        Write(fs, tensors, metadata);
    }

    private static byte[] BuildHeader(IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var ms = new MemoryStream();
        using (var json = new Utf8JsonWriter(ms))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (k, v) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    ArgumentNullException.ThrowIfNull(v, $"metadata[{k}]");
                    json.WriteString(k, v);
                }
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var t in tensors)
            {
                ArgumentNullException.ThrowIfNull(t, nameof(tensors));
                if (string.IsNullOrEmpty(t.Name)) throw new ArgumentException("A tensor name is empty.", nameof(tensors));
                if (t.Name == MetadataKey) throw new ArgumentException($"The tensor name '{MetadataKey}' is reserved.", nameof(tensors));
                if (!names.Add(t.Name)) throw new ArgumentException($"The tensor name '{t.Name}' appears twice.", nameof(tensors));
                ArgumentNullException.ThrowIfNull(t.Shape, $"{t.Name}.Shape");
                ArgumentNullException.ThrowIfNull(t.Data, $"{t.Name}.Data");
                if (t.Shape.Any(d => d < 0)) throw new ArgumentException($"Tensor '{t.Name}' has a negative dimension in [{string.Join(", ", t.Shape)}].", nameof(tensors));
                if (t.ElementCount != t.Data.Length)
                    throw new ArgumentException($"Tensor '{t.Name}': shape [{string.Join(", ", t.Shape)}] needs {t.ElementCount} values, found {t.Data.Length}.", nameof(tensors));
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (int d in t.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset += 4L * t.Data.Length;
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        int padded = (int)((ms.Length + 7) / 8 * 8);
        while (ms.Length < padded) ms.WriteByte((byte)' ');
        return ms.ToArray();
    }

    private static void WriteLittleEndian(Stream destination, float[] data)
    {
        if (BitConverter.IsLittleEndian)
        {
            destination.Write(MemoryMarshal.AsBytes(data.AsSpan()));
            return;
        }
        var buffer = new byte[4 * Math.Min(data.Length, 16384)];
        for (int start = 0; start < data.Length; start += buffer.Length / 4)
        {
            int n = Math.Min(buffer.Length / 4, data.Length - start);
            for (int i = 0; i < n; i++) BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(4 * i), data[start + i]);
            destination.Write(buffer, 0, 4 * n);
        }
    }
}

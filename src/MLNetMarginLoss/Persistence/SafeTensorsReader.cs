using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace MLNetMarginLoss.Persistence;

/// <summary>
/// Reads float tensors from the safetensors layout (see <see cref="SafeTensorsWriter"/>), validating everything
/// before it allocates: the header length fits the buffer, the header is a JSON object of well-formed entries,
/// every dtype is supported (F32), every shape's byte size equals its offset range, and the ranges are sorted,
/// non-overlapping and cover the data block exactly. Any violation raises <see cref="ModelFormatException"/>;
/// no allocation is larger than the buffer itself.
/// </summary>
internal static class SafeTensorsReader
{
    /// <summary>The largest header accepted (the reference implementation's limit, 100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>Reads a safetensors file.</summary>
    /// <exception cref="ModelFormatException">The file is not a valid F32 safetensors file.</exception>
    public static SafeTensorsContents Read(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        { throw new ModelFormatException(path, $"cannot be read: {e.Message}", e); }
        return Read(bytes, path);
    }

    /// <summary>Reads a safetensors buffer; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="ModelFormatException">The buffer is not a valid F32 safetensors file.</exception>
    public static SafeTensorsContents Read(ReadOnlyMemory<byte> buffer, string source)
    {
        var span = buffer.Span;
        if (span.Length < 8)
            throw Fail(source, $"is truncated: {span.Length} bytes, expected at least 8 (the header length).");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(span);
        if (headerLength > (ulong)(span.Length - 8))
            throw Fail(source, $"header length {headerLength} exceeds the {span.Length - 8} bytes after the length field (truncated or corrupt).");
        if (headerLength > MaxHeaderBytes)
            throw Fail(source, $"header length {headerLength} exceeds the limit of {MaxHeaderBytes} bytes.");
        if (headerLength < 2)
            throw Fail(source, $"header length {headerLength} is too small for a JSON object.");
        var header = buffer.Slice(8, (int)headerLength);
        var data = buffer.Slice(8 + (int)headerLength);

        if (!System.Text.Unicode.Utf8.IsValid(header.Span))
            throw Fail(source, "header is not valid UTF-8 (corrupt).");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8 }); }
        catch (JsonException e) { throw Fail(source, $"header is not valid JSON: {e.Message}", e); }
        catch (ArgumentException e) { throw Fail(source, $"header is not valid UTF-8 JSON: {e.Message}", e); }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw Fail(source, $"header must be a JSON object, found {doc.RootElement.ValueKind}.");
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var entries = new List<Entry>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name)) throw Fail(source, $"header names '{property.Name}' twice.");
                if (property.Name == SafeTensorsWriter.MetadataKey) ReadMetadata(source, property.Value, metadata);
                else entries.Add(ReadEntry(source, property.Name, property.Value, data.Length));
            }

            entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
            long expected = 0;
            foreach (var e in entries)
            {
                if (e.Begin != expected)
                    throw Fail(source, e.Begin < expected
                        ? $"tensor '{e.Name}' data [{e.Begin}, {e.End}) overlaps the previous tensor, which ends at {expected}."
                        : $"tensor '{e.Name}' data starts at {e.Begin}, expected {expected} (a gap in the data block).");
                expected = e.End;
            }
            if (expected != data.Length)
                throw Fail(source, $"the tensors cover {expected} data bytes but the data block has {data.Length} (truncated or trailing bytes).");

            var tensors = new List<NamedTensor>(entries.Count);
            var bytes = data.Span;
            foreach (var e in entries)
            {
                var values = new float[(e.End - e.Begin) / 4];
                var src = bytes.Slice((int)e.Begin, (int)(e.End - e.Begin));
                if (BitConverter.IsLittleEndian) src.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
                else for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(src[(4 * i)..]);
                tensors.Add(new NamedTensor(e.Name, e.Shape, values));
            }
            return new SafeTensorsContents(tensors, metadata);
        }
    }

    private readonly record struct Entry(string Name, int[] Shape, long Begin, long End);

    private static void ReadMetadata(string source, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Fail(source, $"'{SafeTensorsWriter.MetadataKey}' must be an object of strings, found {value.ValueKind}.");
        foreach (var p in value.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String)
                throw Fail(source, $"metadata '{p.Name}' must be a string, found {p.Value.ValueKind}.");
            if (!metadata.TryAdd(p.Name, p.Value.GetString()!)) throw Fail(source, $"metadata names '{p.Name}' twice.");
        }
    }

    private static Entry ReadEntry(string source, string name, JsonElement value, int dataLength)
    {
        if (name.Length == 0) throw Fail(source, "a tensor has an empty name.");
        if (value.ValueKind != JsonValueKind.Object)
            throw Fail(source, $"tensor '{name}' must be described by an object, found {value.ValueKind}.");
        string? dtype = null;
        int[]? shape = null;
        long begin = -1, end = -1;
        foreach (var p in value.EnumerateObject())
        {
            switch (p.Name)
            {
                case "dtype":
                    if (p.Value.ValueKind != JsonValueKind.String) throw Fail(source, $"tensor '{name}': dtype must be a string, found {p.Value.ValueKind}.");
                    dtype = p.Value.GetString();
                    break;
                case "shape":
                    if (p.Value.ValueKind != JsonValueKind.Array) throw Fail(source, $"tensor '{name}': shape must be an array, found {p.Value.ValueKind}.");
                    var dims = new List<int>();
                    foreach (var d in p.Value.EnumerateArray())
                    {
                        if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int dim) || dim < 0)
                            throw Fail(source, $"tensor '{name}': shape entries must be integers in [0, {int.MaxValue}], found {d.GetRawText()}.");
                        if (dims.Count >= 8) throw Fail(source, $"tensor '{name}': more than 8 dimensions.");
                        dims.Add(dim);
                    }
                    shape = [.. dims];
                    break;
                case "data_offsets":
                    if (p.Value.ValueKind != JsonValueKind.Array || p.Value.GetArrayLength() != 2)
                        throw Fail(source, $"tensor '{name}': data_offsets must be an array [begin, end], found {p.Value.GetRawText()}.");
                    if (!p.Value[0].TryGetInt64(out begin) || !p.Value[1].TryGetInt64(out end) || begin < 0 || end < begin)
                        throw Fail(source, $"tensor '{name}': data_offsets {p.Value.GetRawText()} are not 0 ≤ begin ≤ end integers.");
                    break;
                default:
                    throw Fail(source, $"tensor '{name}' has an unknown field '{p.Name}' (expected dtype, shape, data_offsets).");
            }
        }
        if (dtype is null || shape is null || begin < 0)
            throw Fail(source, $"tensor '{name}' lacks {(dtype is null ? "dtype" : shape is null ? "shape" : "data_offsets")}.");
        if (dtype != "F32")
            throw Fail(source, $"tensor '{name}' has dtype '{dtype}'; only F32 is supported.");
        if (end > dataLength)
            throw Fail(source, $"tensor '{name}' data_offsets [{begin}, {end}) run past the {dataLength}-byte data block (truncated or corrupt).");
        long count = shape.Contains(0) ? 0 : 1;
        foreach (int d in shape)
        {
            if (count == 0 || count > dataLength) break; // empty, or already too large to match: avoids overflow
            count *= d;
        }
        if (count * 4 != end - begin)
            throw Fail(source, $"tensor '{name}': shape [{string.Join(", ", shape)}] needs {(count > dataLength ? "more than " + dataLength : (count * 4).ToString())} bytes but data_offsets give {end - begin}.");
        return new Entry(name, shape, begin, end);
    }

    private static ModelFormatException Fail(string source, string problem, Exception? inner = null) => new(source, problem, inner);
}

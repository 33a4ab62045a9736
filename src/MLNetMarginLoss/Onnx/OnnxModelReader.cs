using System.IO.Compression;
using System.Text.Json.Nodes;
using Google.Protobuf;
using MLNetMarginLoss.Persistence;
using MLNetMarginLoss.Training;
using Onnx;

namespace MLNetMarginLoss.Onnx;

/// <summary>
/// Reads a trained network back from an ONNX model this library wrote (its manifest from the metadata, its weights
/// from the initializers by state-dict name and its head's training-only buffers from the metadata, all bit-exact),
/// or from an ML.NET .zip that holds one. An embedding model's graph holds no class centres (see
/// <see cref="EmbeddingModelKey"/>): its head comes back as the manifest describes it, with initial weights. ML.NET's
/// OnnxTransformer stores the model bytes in a zip entry named "…/OnnxModel" as a 4-byte little-endian length and
/// the bytes; this is the saved file's format, read with System.IO.Compression, not ML.NET code. Every failure is one
/// <see cref="ModelFormatException"/> naming the file.
/// </summary>
internal static class OnnxModelReader
{
    /// <summary>The metadata key of the network's JSON manifest.</summary>
    public const string ManifestKey = "mlnet-margin.manifest";

    /// <summary>The metadata key that marks an embedding model ("true"): a graph with the encoder only, no head weights.</summary>
    public const string EmbeddingModelKey = "mlnet-margin.embedding-model";

    /// <summary>Reads the network from an ML.NET .zip or a bare .onnx file.</summary>
    public static TrainedNetwork ReadFile(string path, out IReadOnlyDictionary<string, string> metadata)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelFormatException(path, $"it cannot be read ({e.Message}).");
        }
        return ReadBytes(path, bytes, out metadata);
    }

    /// <summary>Reads the network from the bytes of an ML.NET .zip or an .onnx file; <paramref name="source"/> names them in errors.</summary>
    public static TrainedNetwork ReadBytes(string source, byte[] bytes, out IReadOnlyDictionary<string, string> metadata)
    {
        if (bytes.Length >= 4 && bytes[0] == 'P' && bytes[1] == 'K') bytes = FindOnnxInZip(source, bytes);
        return Read(source, bytes, out metadata);
    }

    /// <summary>Parses ONNX bytes and rebuilds the network; <paramref name="source"/> names them in errors.</summary>
    public static TrainedNetwork Read(string source, byte[] onnx, out IReadOnlyDictionary<string, string> metadata)
    {
        ModelProto model;
        try { model = ModelProto.Parser.ParseFrom(onnx); }
        catch (Exception e) when (e is InvalidProtocolBufferException or ArgumentException or InvalidOperationException)
        {
            throw new ModelFormatException(source, $"its ONNX model is damaged ({e.Message}).");
        }
        var props = new Dictionary<string, string>();
        foreach (var p in model.MetadataProps) props[p.Key] = p.Value;
        metadata = props;
        var entry = model.MetadataProps.FirstOrDefault(p => p.Key == ManifestKey)
            ?? throw new ModelFormatException(source, "its ONNX model was not written by MLNetMarginLoss (no training manifest in its metadata).");
        JsonObject manifest;
        try { manifest = JsonNode.Parse(entry.Value) as JsonObject ?? throw new FormatException("not a JSON object"); }
        catch (Exception e) when (e is System.Text.Json.JsonException or FormatException)
        {
            throw new ModelFormatException(source, $"its training manifest is not valid JSON ({e.Message}).");
        }
        var tensors = new Dictionary<string, (int[] Shape, float[] Data)>();
        foreach (var t in model.Graph?.Initializer ?? [])
        {
            if (t.DataType != (int)TensorProto.Types.DataType.Float || !(t.Name.StartsWith("encoder.", StringComparison.Ordinal) || t.Name.StartsWith("head.", StringComparison.Ordinal)))
                continue;
            var shape = t.Dims.Select(d => d is >= 0 and <= int.MaxValue ? (int)d : throw new ModelFormatException(source, $"tensor '{t.Name}' has a dimension {d}.")).ToArray();
            long count = shape.Aggregate(1L, (a, d) => a * d);
            float[] data;
            if (t.RawData.Length > 0)
            {
                if (t.RawData.Length != count * 4) throw new ModelFormatException(source, $"tensor '{t.Name}' holds {t.RawData.Length} bytes, its shape [{string.Join(",", shape)}] needs {count * 4}.");
                data = new float[count];
                t.RawData.Span.CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
            }
            else
            {
                if (t.FloatData.Count != count) throw new ModelFormatException(source, $"tensor '{t.Name}' holds {t.FloatData.Count} values, its shape needs {count}.");
                data = t.FloatData.ToArray();
            }
            tensors[t.Name] = (shape, data);
        }
        HeadBufferMetadata.Read(source, props, tensors);
        // An embedding model's graph holds no class centres: its head keeps the initial weights (no second copy is made).
        bool headSaved = props.GetValueOrDefault(EmbeddingModelKey) != "true";
        return NetworkManifest.FromManifest(source, manifest, tensors, headSaved);
    }

    private static byte[] FindOnnxInZip(string path, byte[] zipBytes)
    {
        try
        {
            using var zip = new ZipArchive(new MemoryStream(zipBytes), ZipArchiveMode.Read);
            var entries = zip.Entries.Where(e => e.Name == "OnnxModel").ToList();
            if (entries.Count == 0)
                throw new ModelFormatException(path, "it is a zip file but holds no ONNX model; it is not an ML.NET model saved from this library's transformers.");
            foreach (var entry in entries)
            {
                using var s = entry.Open();
                using var ms = new MemoryStream();
                s.CopyTo(ms);
                var raw = ms.ToArray();
                if (raw.Length < 4) continue;
                int length = BitConverter.ToInt32(raw, 0);
                if (length != raw.Length - 4)
                    throw new ModelFormatException(path, $"its ONNX entry '{entry.FullName}' is damaged (it announces {length} bytes and holds {raw.Length - 4}).");
                var onnx = raw.AsSpan(4).ToArray();
                if (HasManifest(onnx)) return onnx;
            }
            throw new ModelFormatException(path, "its ONNX models were not written by MLNetMarginLoss (no training manifest in their metadata).");
        }
        catch (InvalidDataException e)
        {
            throw new ModelFormatException(path, $"it is not a valid zip file ({e.Message}).");
        }
    }

    private static bool HasManifest(byte[] onnx)
    {
        try { return ModelProto.Parser.ParseFrom(onnx).MetadataProps.Any(p => p.Key == ManifestKey); }
        catch (Exception e) when (e is InvalidProtocolBufferException or ArgumentException or InvalidOperationException) { return true; } // let Read report the damage
    }
}

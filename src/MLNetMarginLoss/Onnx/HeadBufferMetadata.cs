using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using MLNetMarginLoss.Heads;

namespace MLNetMarginLoss.Onnx;

/// <summary>
/// Keeps a head's training-only buffers (AdaCos's adaptive scale, CurricularFace's t, AdaFace's batch statistics,
/// SphereFace's iteration…) in the ONNX model's metadata instead of as initializers: inference does not use them, and
/// ONNX Runtime prints a warning for every initializer no node uses ("Removing initializer …") whenever the model is
/// loaded. One metadata entry, <see cref="Key"/>, holds a JSON object mapping each buffer's state-dict name
/// ("head.scale") to its dimensions and its float32 values as base64 of their little-endian bytes, so the values
/// come back bit-exactly (<see cref="Read"/>, used by <see cref="OnnxModelReader"/>).
/// </summary>
internal static class HeadBufferMetadata
{
    /// <summary>The metadata key.</summary>
    public const string Key = "mlnet-margin.head-buffers";

    /// <summary>The metadata entry of <paramref name="head"/>'s buffers; none when it has none.</summary>
    public static IEnumerable<KeyValuePair<string, string>> Describe(MarginHead head)
    {
        if (head.Buffers.Count == 0) yield break;
        var o = new JsonObject();
        foreach (var b in head.Buffers)
            o["head." + b.Name] = new JsonObject
            {
                ["dims"] = new JsonArray(b.Dims.Select(d => (JsonNode)JsonValue.Create(d)).ToArray()),
                ["data"] = Convert.ToBase64String(MemoryMarshal.AsBytes(b.Value.AsSpan())),
            };
        yield return new(Key, o.ToJsonString());
    }

    /// <summary>Adds the buffers stored in <paramref name="metadata"/> to <paramref name="tensors"/>; <paramref name="source"/> names the file in errors.</summary>
    /// <exception cref="ModelFormatException">The entry is not valid.</exception>
    public static void Read(string source, IReadOnlyDictionary<string, string> metadata, IDictionary<string, (int[] Shape, float[] Data)> tensors)
    {
        if (!metadata.TryGetValue(Key, out var json)) return;
        try
        {
            var o = JsonNode.Parse(json) as JsonObject ?? throw new FormatException("not a JSON object");
            foreach (var (name, node) in o)
            {
                var dims = node!["dims"]!.AsArray().Select(d => d!.GetValue<int>()).ToArray();
                var bytes = Convert.FromBase64String(node["data"]!.GetValue<string>());
                long count = dims.Aggregate(1L, (a, d) => a * d);
                if (dims.Any(d => d < 0) || bytes.Length != count * 4)
                    throw new FormatException($"buffer '{name}' holds {bytes.Length} bytes, its shape [{string.Join(",", dims)}] needs {count * 4}");
                tensors[name] = (dims, MemoryMarshal.Cast<byte, float>(bytes).ToArray());
            }
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or NullReferenceException)
        {
            throw new ModelFormatException(source, $"its head buffers ({Key}) are not valid: {e.Message}");
        }
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using MLNetMarginLoss.Encoders;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Heads;
using MLNetMarginLoss.Persistence;

namespace MLNetMarginLoss.Training;

/// <summary>
/// Describes a <see cref="TrainedNetwork"/> as JSON (stored in the ONNX model's metadata and in checkpoints): a manifest with the encoder spec, head kind
/// and options, input shape, class names, training options, metrics and history, and the weights as named tensors
/// ("encoder.0.weight", "head.weight", …) in the safetensors layout.
/// </summary>
internal static class NetworkManifest
{
    public const string ModelKind = "mlnet-margin-model";

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The whole manifest of a trained network: architecture, class names, training info and history.</summary>
    public static JsonObject ToManifest(TrainedNetwork network)
    {
        var manifest = Describe(network.Encoder, network.Head, network.ClassNames);
        manifest["info"] = JsonSerializer.SerializeToNode(network.Info, Json);
        manifest["history"] = JsonSerializer.SerializeToNode(network.History.Epochs, Json);
        manifest["selectedEpoch"] = network.History.SelectedEpoch;
        return manifest;
    }

    /// <summary>
    /// Rebuilds a trained network from its manifest and its named tensors; errors name <paramref name="source"/>. With
    /// <paramref name="headSaved"/> false (an embedding model, saved without its class centres) the head keeps its initial weights.
    /// </summary>
    /// <exception cref="ModelFormatException">The manifest or a tensor is missing or does not fit.</exception>
    public static TrainedNetwork FromManifest(string source, JsonObject m, IReadOnlyDictionary<string, (int[] Shape, float[] Data)> tensors, bool headSaved = true)
    {
        try
        {
            string kind = m["kind"]?.GetValue<string>() ?? "";
            if (kind != ModelKind)
                throw new ModelFormatException(source, $"it holds a '{kind}' manifest, not a model (expected '{ModelKind}').");
            var (encoder, head, classes) = Rebuild(source, m);
            RestoreTensors(source, tensors, encoder, headSaved ? head : null);
            var info = m["info"]?.Deserialize<ModelInfo>(Json) ?? new ModelInfo();
            var history = new TrainingHistory(m["history"]?.Deserialize<List<EpochRecord>>(Json) ?? []);
            history.SelectedEpoch = m["selectedEpoch"]?.GetValue<int>() ?? -1;
            return new TrainedNetwork(encoder, head, classes, history, info);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException or FormatException or NullReferenceException or OverflowException)
        {
            throw new ModelFormatException(source, $"its manifest is not valid: {e.Message}");
        }
    }

    /// <summary>The architecture part of a manifest (shared with checkpoints).</summary>
    public static JsonObject Describe(Encoder encoder, MarginHead head, IReadOnlyList<string> classNames) => new()
    {
        ["kind"] = ModelKind,
        ["encoder"] = JsonSerializer.SerializeToNode(encoder.Spec, Json),
        ["head"] = new JsonObject
        {
            ["kind"] = head.Kind,
            ["options"] = JsonSerializer.SerializeToNode(head.GetOptions(), Json),
        },
        ["classNames"] = new JsonArray(classNames.Select(c => (JsonNode)JsonValue.Create(c)!).ToArray()),
    };

    /// <summary>Rebuilds encoder and head (with fresh weights) from a manifest.</summary>
    public static (Encoder Encoder, MarginHead Head, string[] ClassNames) Rebuild(string path, JsonObject m)
    {
        var spec = m["encoder"].Deserialize<EncoderSpec>(Json) ?? throw new ModelFormatException(path, "its manifest has no encoder.");
        var classes = m["classNames"].Deserialize<string[]>(Json) ?? throw new ModelFormatException(path, "its manifest has no class names.");
        var headNode = m["head"] ?? throw new ModelFormatException(path, "its manifest has no head.");
        var headKind = HeadFactory.Parse(headNode["kind"]!.GetValue<string>());
        var headOptions = headNode["options"].Deserialize<HeadOptions>(Json) ?? new HeadOptions();
        var encoder = Encoder.Build(spec, new SeededRandom(0));
        var head = HeadFactory.Create(headKind, spec.EmbeddingSize, classes.Length, headOptions);
        return (encoder, head, classes);
    }

    /// <summary>
    /// Every encoder and head parameter and buffer as a named tensor (the live arrays, not copies). A cosine head's
    /// class centres are "head.weight" [C·K, E], or "head.weight.p{i}" per page when they span several arrays.
    /// </summary>
    public static List<(string Name, int[] Shape, float[] Data)> CollectTensors(Encoder encoder, MarginHead head)
    {
        var list = new List<(string, int[], float[])>();
        foreach (var (name, p, _) in encoder.Network.NamedState()) list.Add(("encoder." + name, p.Dims, p.Value));
        if (head is CosineMarginHead cosine)
        {
            var w = cosine.Centers.Weight;
            foreach (var (first, count, page) in w.Pages)
                list.Add((w.PageCount == 1 ? "head.weight" : $"head.weight.p{first / w.RowsPerPage}", [count, w.Cols], page));
        }
        foreach (var p in head.Parameters.Concat(head.Buffers)) list.Add(("head." + p.Name, p.Dims, p.Value));
        return list;
    }

    /// <summary>Copies named tensors into the encoder and head (when given), checking that every one is present with the right size.</summary>
    public static void RestoreTensors(string path, IReadOnlyDictionary<string, (int[] Shape, float[] Data)> tensors, Encoder encoder, MarginHead? head)
    {
        void Copy(string name, int[] dims, Span<float> target)
        {
            if (!tensors.TryGetValue(name, out var t))
                throw new ModelFormatException(path, $"tensor '{name}' is missing.");
            if (t.Data.Length != target.Length || !t.Shape.SequenceEqual(dims))
                throw new ModelFormatException(path, $"tensor '{name}' has shape [{string.Join(",", t.Shape)}], expected [{string.Join(",", dims)}].");
            t.Data.AsSpan().CopyTo(target);
        }
        foreach (var (name, p, _) in encoder.Network.NamedState()) Copy("encoder." + name, p.Dims, p.Value);
        if (head is null) return;
        foreach (var (name, shape, data) in CollectTensors(encoder, head).Where(t => t.Name.StartsWith("head.", StringComparison.Ordinal)))
            Copy(name, shape, data);
    }
}

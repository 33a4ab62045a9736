using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Layers;
using MLNetMarginLoss.Heads;
using MLNetMarginLoss.Training;
using Onnx;
using static MLNetMarginLoss.Onnx.OnnxGraphBuilder;

namespace MLNetMarginLoss.Onnx;

/// <summary>
/// Writes a trained network's inference path as an ONNX graph: encoder → x̂ = x / max(‖x‖₂, 10⁻¹²) (the
/// <c>Embedding</c> output) → head logits → softmax (the <c>Score</c> output) → arg-max (the <c>PredictedIndex</c>
/// output, int64). Head logits as <see cref="MarginHead.Predict"/> computes them, with no margin and no label:
/// cosine heads s·clip(max over sub-centres of x̂·ŵ_jᵀ, −1+ε, 1−ε) with ŵ = w / max(‖w‖₂, 10⁻¹²) computed in the
/// graph from the raw centres; the plain softmax head x·Wᵀ + b. Every encoder parameter and buffer and every head
/// parameter is an initializer named by its state-dict name ("encoder.0.weight", "head.weight", …) holding the exact
/// float values, so the weights can be read back bit-exactly (<see cref="OnnxModelReader"/>); the head's
/// training-only buffers (AdaCos's s, CurricularFace's t, AdaFace's statistics…), which inference does not use, go
/// into the metadata instead (<see cref="HeadBufferMetadata"/>): ONNX Runtime warns about every unused initializer.
/// <para>
/// Two layouts: <see cref="InferenceGraphLayout.Batched"/> takes [N, …input shape] and returns [N, D], [N, C],
/// [N, 1] (for ONNX Runtime and Python); <see cref="InferenceGraphLayout.SingleRow"/> takes a flat [F] vector and
/// returns [D], [C] and [1], the shapes ML.NET's OnnxTransformer maps to vector columns (it cannot read a rank-0
/// output, hence the [1] index). The single-row graph can also give Score its ML.NET SlotNames (the class names,
/// <see cref="OnnxGraphBuilder.SlotNames"/>) and output, instead of the index i, its code <c>classCodes[i]</c> (a
/// Gather from the int64 initializer "class_codes"), which the saved ML.NET chain turns into the predicted key.
/// </para>
/// </summary>
internal static class InferenceGraph
{
    /// <summary>
    /// Builds the graph for <paramref name="network"/> with the given value names and metadata (the head's buffers are
    /// added to it); single-row graphs take the optional <paramref name="slotNames"/> of Score and
    /// <paramref name="classCodes"/> (one per class, then optionally one for index −1) for the index output.
    /// </summary>
    public static ModelProto Build(TrainedNetwork network, InferenceGraphNames names, InferenceGraphLayout layout, IEnumerable<KeyValuePair<string, string>> metadata,
        IReadOnlyList<string>? slotNames = null, long[]? classCodes = null)
    {
        if (layout == InferenceGraphLayout.Batched && (slotNames is not null || classCodes is not null))
            throw new ArgumentException("Slot names and class codes are for the single-row graph of ML.NET's OnnxTransformer.");
        var g = new OnnxGraphBuilder();
        var inputShape = network.InputShape;
        foreach (var (name, p, _) in network.Encoder.Network.NamedState()) g.Initializer("encoder." + name, p.Dims, p.Value);
        var buffers = network.Head.Buffers.Select(b => "head." + b.Name).ToHashSet(StringComparer.Ordinal); // in the metadata (HeadBufferMetadata)
        foreach (var (name, dims, data) in NetworkManifest.CollectTensors(network.Encoder, network.Head))
            if (name.StartsWith("head.", StringComparison.Ordinal) && !buffers.Contains(name)) g.Initializer(name, dims, data);

        string x;
        if (layout == InferenceGraphLayout.Batched)
        {
            g.Input(names.Input, inputShape.IsVector ? [null, inputShape.Size] : [null, inputShape.Channels, inputShape.Height, inputShape.Width]);
            x = names.Input;
        }
        else
        {
            g.Input(names.Input, inputShape.Size);
            long[] target = inputShape.IsVector ? [1, inputShape.Size] : [1, inputShape.Channels, inputShape.Height, inputShape.Width];
            x = g.Node("Reshape", [names.Input, g.Int64s("input_shape", target)]);
        }

        var (features, shape) = EmitLayer(g, network.Encoder.Network, "encoder.", x, inputShape);
        if (!shape.IsVector) features = g.Node("Flatten", [features], null, Int("axis", 1));

        bool single = layout == InferenceGraphLayout.SingleRow;
        int d = network.EmbeddingSize, c = network.ClassNames.Count;
        var xHat = NormalizeRows(g, features, single ? null : names.Embedding);
        string logits = EmitHead(g, network.Head, features, xHat);
        var score = g.Node("Softmax", [logits], single ? null : names.Score, Int("axis", 1));
        var index = g.Node("ArgMax", [score], single ? null : names.PredictedIndex, Int("axis", 1), Int("keepdims", 1));
        if (single)
        {
            g.Node("Reshape", [xHat, g.Int64s("embedding_shape", d)], names.Embedding);
            g.Node("Reshape", [score, g.Int64s("score_shape", c)], names.Score);
            if (classCodes is null)
                g.Node("Reshape", [index, g.Int64s("index_shape", 1)], names.PredictedIndex);
            else
                g.Node("Gather", [g.Int64Initializer("class_codes", classCodes), g.Node("Reshape", [index, g.Int64s("index_shape", 1)])], names.PredictedIndex, Int("axis", 0));
            if (slotNames is not null) g.SlotNames(names.Score, slotNames);
            g.Output(names.Embedding, TensorProto.Types.DataType.Float, d);
            g.Output(names.Score, TensorProto.Types.DataType.Float, c);
            g.Output(names.PredictedIndex, TensorProto.Types.DataType.Int64, 1);
        }
        else
        {
            g.Output(names.Embedding, TensorProto.Types.DataType.Float, null, d);
            g.Output(names.Score, TensorProto.Types.DataType.Float, null, c);
            g.Output(names.PredictedIndex, TensorProto.Types.DataType.Int64, null, 1);
        }
        return g.ToModel(metadata.Concat(HeadBufferMetadata.Describe(network.Head)));
    }

    /// <summary>
    /// An upper bound of the bytes of the single-row classifier graph of <paramref name="network"/> with
    /// <paramref name="classNames"/> as slot names and a code table, metadata of <paramref name="metadataBytes"/>
    /// included (weights as raw floats, names and strings as UTF-8, 64 bytes of framing per tensor and name, 1 MB for
    /// the nodes): what must stay under ONNX's protobuf limit (<see cref="OnnxSizeLimit"/>).
    /// </summary>
    public static long ClassifierBytes(TrainedNetwork network, IReadOnlyList<string> classNames, long metadataBytes)
    {
        long bytes = 1 << 20;
        foreach (var (name, p, _) in network.Encoder.Network.NamedState()) bytes += 4L * p.Length + 64 + name.Length;
        foreach (var p in network.Head.Parameters.Concat(network.Head.Buffers)) bytes += 4L * p.Length + 64;
        if (network.Head is CosineMarginHead cosine) bytes += 4L * cosine.Centers.Weight.Length + 64;
        bytes += 8L * (classNames.Count + 1);
        foreach (var n in classNames) bytes += System.Text.Encoding.UTF8.GetByteCount(n) + 16;
        return bytes + metadataBytes;
    }

    /// <summary>Rows of a [N, K] value divided by max(‖row‖₂, 10⁻¹²), as <c>F.normalize</c>.</summary>
    internal static string NormalizeRows(OnnxGraphBuilder g, string value, string? output)
    {
        var norm = g.Node("ReduceL2", [value], null, Ints("axes", 1), Int("keepdims", 1));
        var floored = g.Node("Max", [norm, g.Scalar("norm_floor", 1e-12f)]);
        return g.Node("Div", [value, floored], output);
    }

    private static string EmitHead(OnnxGraphBuilder g, MarginHead head, string features, string xHat)
    {
        switch (head)
        {
            case SoftmaxHead:
                return g.Node("Gemm", [features, "head.weight", "head.bias"], null, Int("transB", 1));
            case CosineMarginHead cosine:
            {
                var wHat = NormalizeRows(g, "head.weight", null);
                var cos = g.Node("Gemm", [xHat, wHat], null, Int("transB", 1));
                if (cosine.SubCenters > 1)
                {
                    var grouped = g.Node("Reshape", [cos, g.Int64s("subcenter_shape", 0, cosine.ClassCount, cosine.SubCenters)]);
                    cos = g.Node("ReduceMax", [grouped], null, Ints("axes", 2), Int("keepdims", 0));
                }
                var (low, high) = cosine.CosineClamp;
                var clipped = g.Node("Clip", [cos, g.Scalar("cos_min", low), g.Scalar("cos_max", high)]);
                return g.Node("Mul", [clipped, g.Scalar("scale", (float)cosine.Scale)]);
            }
            default:
                throw new NotSupportedException($"The {head.Kind} head has no ONNX export.");
        }
    }

    /// <summary>
    /// Emits <paramref name="layer"/> (its parameters are initializers named <paramref name="prefix"/> + state name)
    /// on the value <paramref name="x"/> of per-sample shape <paramref name="shape"/>; returns the output and its shape.
    /// </summary>
    internal static (string Output, TensorShape Shape) EmitLayer(OnnxGraphBuilder g, Layer layer, string prefix, string x, TensorShape shape)
    {
        var outShape = layer.GetOutputShape(shape);
        switch (layer)
        {
            case Sequential seq:
            {
                var named = seq.Children;
                for (int i = 0; i < named.Count; i++)
                    (x, shape) = EmitLayer(g, named[i].Layer, prefix + named[i].Name + ".", x, shape);
                return (x, shape);
            }
            case Flatten:
                return (shape.IsVector ? x : g.Node("Flatten", [x], null, Int("axis", 1)), outShape);
            case Dropout:
                return (x, outShape); // identity at inference
            case ReLU:
                return (g.Node("Relu", [x]), outShape);
            case PReLU p:
            {
                string slope = prefix + "weight";
                if (p.Weight.Length > 1 && !shape.IsVector)
                    slope = g.Node("Reshape", [slope, g.Int64s("prelu_shape", p.Weight.Length, 1, 1)]);
                return (g.Node("PRelu", [x, slope]), outShape);
            }
            case Linear lin:
            {
                if (!shape.IsVector) x = g.Node("Flatten", [x], null, Int("axis", 1));
                string[] inputs = lin.Bias is null ? [x, prefix + "weight"] : [x, prefix + "weight", prefix + "bias"];
                return (g.Node("Gemm", inputs, null, Int("transB", 1)), outShape);
            }
            case BatchNorm bn:
                return (g.Node("BatchNormalization",
                    [x, prefix + "weight", prefix + "bias", prefix + "running_mean", prefix + "running_var"], null,
                    Float("epsilon", (float)bn.Epsilon), Float("momentum", (float)(1 - bn.Momentum))), outShape);
            case Conv2d conv:
            {
                string[] inputs = conv.Bias is null ? [x, prefix + "weight"] : [x, prefix + "weight", prefix + "bias"];
                return (g.Node("Conv", inputs, null,
                    Ints("kernel_shape", conv.KernelSize, conv.KernelSize), Ints("strides", conv.Stride, conv.Stride),
                    Ints("pads", conv.Padding, conv.Padding, conv.Padding, conv.Padding)), outShape);
            }
            case MaxPool2d pool:
                return (g.Node("MaxPool", [x], null, Ints("kernel_shape", pool.KernelSize, pool.KernelSize), Ints("strides", pool.Stride, pool.Stride)), outShape);
            case AvgPool2d pool:
                return (g.Node("AveragePool", [x], null, Ints("kernel_shape", pool.KernelSize, pool.KernelSize), Ints("strides", pool.Stride, pool.Stride)), outShape);
            case GlobalAvgPool2d:
                return (g.Node("Flatten", [g.Node("GlobalAveragePool", [x])], null, Int("axis", 1)), outShape);
            case ResidualBlock block:
            {
                var (h, hs) = EmitLayer(g, block.Conv1, prefix + "conv1.", x, shape);
                (h, hs) = EmitLayer(g, block.Bn1, prefix + "bn1.", h, hs);
                h = g.Node("Relu", [h]);
                (h, hs) = EmitLayer(g, block.Conv2, prefix + "conv2.", h, hs);
                (h, _) = EmitLayer(g, block.Bn2, prefix + "bn2.", h, hs);
                var skip = block.Shortcut is { } sc ? EmitLayer(g, sc, prefix + "shortcut.", x, shape).Output : x;
                return (g.Node("Relu", [g.Node("Add", [h, skip])]), outShape);
            }
            default:
                throw new NotSupportedException($"Layer {layer.GetType().Name} ('{prefix.TrimEnd('.')}') has no ONNX export.");
        }
    }
}

/// <summary>How the inference graph lays out its input and outputs.</summary>
internal enum InferenceGraphLayout
{
    /// <summary>[N, …] in, [N, D] / [N, C] / [N, 1] out.</summary>
    Batched,

    /// <summary>A flat [F] vector in, [D] / [C] / [1] out (ML.NET's OnnxTransformer, one row per run).</summary>
    SingleRow,
}

/// <summary>The names of the graph's input and outputs (ML.NET maps columns to them by name).</summary>
internal sealed record InferenceGraphNames(string Input = "Features", string Embedding = "Embedding", string Score = "Score", string PredictedIndex = "PredictedIndex");

using MLNetMarginLoss.Training;
using Onnx;
using static MLNetMarginLoss.Onnx.OnnxGraphBuilder;

namespace MLNetMarginLoss.Onnx;

/// <summary>
/// Writes a trained network's encoder alone as a single-row ONNX graph for ML.NET's OnnxTransformer: a flat [F]
/// input → encoder (the layer emitters of <see cref="InferenceGraph"/>) → x / max(‖x‖₂, 10⁻¹²) → a [D] output. With
/// flip test-time augmentation, the sample and its left–right mirror image (the width axis reversed by a Gather) run
/// through the encoder as a batch of two; the two unit embeddings are summed and the sum normalised again. Only the
/// encoder's parameters are initializers (named by state-dict name, as in the inference graph); the head is not part
/// of it.
/// </summary>
internal static class EmbeddingGraph
{
    /// <summary>Builds the graph; <paramref name="input"/> and <paramref name="output"/> name its input and output (they must differ).</summary>
    /// <exception cref="ArgumentException"><paramref name="flip"/> is set and the network does not take images.</exception>
    public static ModelProto Build(TrainedNetwork network, string input, string output, bool flip, IEnumerable<KeyValuePair<string, string>> metadata)
    {
        if (input == output) throw new ArgumentException($"The graph's input and output must have different names ('{input}').");
        var shape = network.InputShape;
        if (flip && (shape.IsVector || shape.Width < 2))
            throw new ArgumentException($"Flip test-time augmentation mirrors images left–right; the model takes {shape}, which has no width to mirror.");
        var g = new OnnxGraphBuilder();
        foreach (var (name, p, _) in network.Encoder.Network.NamedState()) g.Initializer("encoder." + name, p.Dims, p.Value);

        g.Input(input, shape.Size);
        long[] target = shape.IsVector ? [1, shape.Size] : [1, shape.Channels, shape.Height, shape.Width];
        var x = g.Node("Reshape", [input, g.Int64s("input_shape", target)]);
        if (flip)
        {
            var reversed = g.Int64s("flip_index", Enumerable.Range(0, shape.Width).Reverse().Select(i => (long)i).ToArray());
            var mirrored = g.Node("Gather", [x, reversed], null, Int("axis", 3));
            x = g.Node("Concat", [x, mirrored], null, Int("axis", 0));
        }
        var (features, outShape) = InferenceGraph.EmitLayer(g, network.Encoder.Network, "encoder.", x, shape);
        if (!outShape.IsVector) features = g.Node("Flatten", [features], null, Int("axis", 1));
        var unit = InferenceGraph.NormalizeRows(g, features, null);
        if (flip)
        {
            var sum = g.Node("ReduceSum", [unit, g.Int64s("batch_axis", 0)], null, Int("keepdims", 1));
            unit = InferenceGraph.NormalizeRows(g, sum, null);
        }
        int d = network.EmbeddingSize;
        g.Node("Reshape", [unit, g.Int64s("embedding_shape", d)], output);
        g.Output(output, TensorProto.Types.DataType.Float, d);
        return g.ToModel(metadata);
    }
}

using MLNetMarginLoss.Onnx;
using Onnx;
using static MLNetMarginLoss.Onnx.OnnxGraphBuilder;

namespace MLNetMarginLoss.Embeddings;

/// <summary>
/// Writes a k-NN classifier as a single-row ONNX graph for ML.NET's OnnxTransformer, computing the rule of
/// <see cref="KnnVoter"/> over the <see cref="CosineSearch"/> neighbours:
/// <list type="number">
/// <item>q̂ = q / max(‖q‖₂, 10⁻¹²); similarities s = q̂ · Gᵀ with the L2-normalised gallery G [N, D] stored as the
/// initializer "gallery.embeddings" (Gemm, transB);</item>
/// <item>TopK(k, sorted, ties to the lower gallery row, as the streaming top-k) → the k best similarities and rows;
/// their class indices by Gather from "gallery.labels" (int64 [N]);</item>
/// <item>weights w_r: 1 (majority), max(0, s_r) (similarity), 1 / (max(0, 1 − s_r) + 10⁻⁶) (distance), times
/// [s_r ≥ threshold] when a threshold is set; votes = w · OneHot(labels) [C]; Score = votes / max(Σ votes, 10⁻³⁰)
/// (all zero when nobody votes);</item>
/// <item>the winner: among the classes whose vote equals the maximum, the one whose best neighbour ranks first (Equal →
/// Gather over the neighbours' classes → ArgMax, which takes the first maximum) — the voter's tie rule;</item>
/// <item>with a threshold, index −1 ("unknown") when the best similarity is below it (Where);</item>
/// <item>outputs: Score [C] (with the class names as its ML.NET SlotNames), Similarity [1] (the best cosine) and the
/// int64 [1] code of the predicted class, <c>classCodes[index]</c> by a Gather (index −1 takes the last entry, the
/// unknown code), shapes OnnxTransformer maps to vector columns.</item>
/// </list>
/// Opset 13 of the default domain, like every graph of <see cref="OnnxGraphBuilder"/>.
/// </summary>
internal static class KnnGraph
{
    /// <summary>
    /// Builds the graph of <paramref name="index"/> with the given value names and metadata, the class names as Score's
    /// slot names and <paramref name="classCodes"/> (one per class, then one for unknown when there is a threshold).
    /// </summary>
    public static ModelProto Build(KnnIndex index, KnnGraphNames names, IEnumerable<KeyValuePair<string, string>> metadata, IReadOnlyList<string> classNames, long[] classCodes)
    {
        var g = new OnnxGraphBuilder();
        int n = index.Count, d = index.Dimension, c = index.ClassCount, k = index.K;
        var gallery = g.Initializer("gallery.embeddings", [n, d], index.Gallery);
        var labelValues = new long[n];
        for (int i = 0; i < n; i++) labelValues[i] = index.Labels[i];
        var labels = g.Int64Initializer("gallery.labels", labelValues);

        g.Input(names.Input, d);
        var q = g.Node("Reshape", [names.Input, g.Int64s("query_shape", 1, d)]);
        var qHat = InferenceGraph.NormalizeRows(g, q, null);
        var sims = g.Node("Gemm", [qHat, gallery], null, Int("transB", 1));                       // [1, N]

        var topValues = g.Fresh("topk_values");
        var topRows = g.Fresh("topk_rows");
        var topk = new NodeProto { OpType = "TopK", Name = g.Fresh("node_TopK") };
        topk.Input.Add([sims, g.Int64s("k", k)]);
        topk.Output.Add([topValues, topRows]);
        topk.Attribute.Add([Int("axis", 1), Int("largest", 1), Int("sorted", 1)]);
        g.Graph.Node.Add(topk);
        var s = g.Node("Reshape", [topValues, g.Int64s("k_shape", k)]);                           // [k], best first
        var rows = g.Node("Reshape", [topRows, g.Int64s("k_shape", k)]);
        var classes = g.Node("Gather", [labels, rows], null, Int("axis", 0));                      // [k] int64

        string w = index.Voting switch
        {
            KnnVoting.Majority => g.Initializer("knn.ones", [k], Enumerable.Repeat(1f, k).ToArray()),
            KnnVoting.SimilarityWeighted => g.Node("Relu", [s]),
            _ => g.Node("Reciprocal", [g.Node("Add", [g.Node("Relu", [g.Node("Sub", [g.Scalar("one", 1f), s])]), g.Scalar("distance_epsilon", 1e-6f)])]),
        };
        string? threshold = index.SimilarityThreshold is { } t ? g.Scalar("threshold", t) : null;
        if (threshold is not null)
            w = g.Node("Mul", [w, g.Node("Cast", [g.Node("GreaterOrEqual", [s, threshold])], null, Int("to", (long)TensorProto.Types.DataType.Float))]);

        var onehotValues = g.Initializer("knn.onehot_values", [2], [0f, 1f]);
        var onehot = g.Node("OneHot", [classes, g.Int64s("class_count", c), onehotValues], null, Int("axis", -1));   // [k, C]
        var votes = g.Node("MatMul", [g.Node("Reshape", [w, g.Int64s("weights_shape", 1, k)]), onehot]);               // [1, C]
        var total = g.Node("ReduceSum", [votes], null, Int("keepdims", 1));
        var score = g.Node("Div", [votes, g.Node("Max", [total, g.Scalar("total_floor", 1e-30f)])]);
        g.Node("Reshape", [score, g.Int64s("score_shape", c)], names.Score);

        // Tie rule: the first-ranked neighbour whose class has the top vote.
        var top = g.Node("ReduceMax", [votes], null, Ints("axes", 1), Int("keepdims", 1));
        var isTop = g.Node("Reshape", [g.Node("Equal", [votes, top]), g.Int64s("class_shape", c)]);                  // [C] bool
        var neighbourIsTop = g.Node("Cast", [g.Node("Gather", [isTop, classes], null, Int("axis", 0))], null, Int("to", (long)TensorProto.Types.DataType.Float));
        var rank = g.Node("ArgMax", [neighbourIsTop], null, Int("axis", 0), Int("keepdims", 1));                       // [1]
        var winner = g.Node("Gather", [classes, rank], null, Int("axis", 0));                                          // [1] int64

        var best = g.Node("ReduceMax", [s], null, Ints("axes", 0), Int("keepdims", 1));                                // [1]
        g.Node("Identity", [best], names.Similarity);
        var predicted = threshold is null ? winner : g.Node("Where", [g.Node("GreaterOrEqual", [best, threshold]), winner, g.Int64s("unknown", -1)]);
        g.Node("Gather", [g.Int64Initializer("class_codes", classCodes), predicted], names.PredictedIndex, Int("axis", 0));
        g.SlotNames(names.Score, classNames);

        g.Output(names.Score, TensorProto.Types.DataType.Float, c);
        g.Output(names.Similarity, TensorProto.Types.DataType.Float, 1);
        g.Output(names.PredictedIndex, TensorProto.Types.DataType.Int64, 1);
        return g.ToModel(metadata);
    }
}

/// <summary>The names of the k-NN graph's input and outputs (ML.NET maps columns to them by name).</summary>
internal sealed record KnnGraphNames(string Input, string Score, string Similarity, string PredictedIndex);

using System.Text.Json;
using Google.Protobuf;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.MLNet;
using MLNetMarginLoss.Onnx;
using MLNetMarginLoss.Persistence;
using MLNetMarginLoss.Training;

namespace MLNetMarginLoss;

/// <summary>
/// The transformer <see cref="ArcFaceTrainer"/> returns: a trained encoder and margin head. <see cref="Transform"/>
/// adds Score (softmax of s·cos θ, no margin; the plain softmax head's softmax of its linear layer), PredictedLabel
/// (a key with the training label key's values, in its order) and Embedding (L2-normalised). Inference never reads
/// the label column: outputs are the same whether it is present, missing or shuffled.
/// <para>
/// The transformer is, underneath, a chain of ML.NET's own transformers: the inference graph as ONNX inside an
/// OnnxTransformer, then built-in conversions for PredictedLabel (see <see cref="PredictionChain"/>). So
/// <c>mlContext.Model.Save</c> writes a standard ML.NET model that an application referencing only Microsoft.ML,
/// Microsoft.ML.OnnxTransformer and Microsoft.ML.OnnxRuntime loads with <c>mlContext.Model.Load</c>, and
/// <see cref="Transform"/> gives exactly what that loaded model gives. The ONNX metadata carries the training
/// manifest (head, options, history, metrics, class names, library version), so <see cref="Load"/> turns a saved
/// .zip back into this type, e.g. to fine-tune it (<see cref="ArcFaceTrainer.Options.InitialModel"/>).
/// </para>
/// </summary>
public sealed class ArcFaceTransformer : ITransformer
{
    private readonly ITransformer _chain;
    private readonly ColumnNames _columns;

    internal ArcFaceTransformer(TrainedNetwork network, ColumnNames columns, string backend)
    {
        Network = network;
        _columns = columns;
        Backend = backend;
        var ml = new MLContext(seed: 0);
        var graph = InferenceGraph.Build(network, GraphNames(columns), InferenceGraphLayout.SingleRow, Metadata(network, columns, backend));
        OnnxModel = graph.ToByteArray();
        _chain = PredictionChain.Build(ml, OnnxModel, columns.Features, [columns.Embedding, columns.Score], IndexColumn(columns),
            columns.PredictedLabel, network.ClassNames, network.InputShape.Size);
    }

    internal TrainedNetwork Network { get; }

    internal byte[] OnnxModel { get; }

    /// <summary>Class names in the training label key's order: key value i + 1 is <c>ClassNames[i]</c>.</summary>
    public IReadOnlyList<string> ClassNames => Network.ClassNames;

    /// <summary>The head that was trained.</summary>
    public HeadKind Head => HeadKindOf(Network.Head.Kind);

    /// <summary>The encoder's architecture; <see cref="EncoderSpec.InputShape"/> is the shape of one sample.</summary>
    public EncoderSpec Encoder => Network.Encoder.Spec;

    /// <summary>Dimension of the Embedding column.</summary>
    public int EmbeddingSize => Network.EmbeddingSize;

    /// <summary>Per-epoch training record (losses, accuracies, learning rate, throughput).</summary>
    public TrainingHistory History => Network.History;

    /// <summary>Training options and final metrics, as recorded with the model.</summary>
    public ModelInfo Info => Network.Info;

    /// <summary>The backend that trained the model ("engine (cpu)", "torchsharp (cuda:0)", …).</summary>
    public string Backend { get; }

    /// <summary>The feature column this transformer reads.</summary>
    public string FeatureColumnName => _columns.Features;

    /// <summary>The score column it writes.</summary>
    public string ScoreColumnName => _columns.Score;

    /// <summary>The predicted-label column it writes.</summary>
    public string PredictionColumnName => _columns.PredictedLabel;

    /// <summary>The embedding column it writes.</summary>
    public string EmbeddingColumnName => _columns.Embedding;

    /// <inheritdoc />
    public bool IsRowToRowMapper => _chain.IsRowToRowMapper;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _chain.GetOutputSchema(inputSchema);

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => _chain.GetRowToRowMapper(inputSchema);

    /// <summary>Adds Score, PredictedLabel and Embedding to <paramref name="input"/> (lazily, as ML.NET transformers do).</summary>
    public IDataView Transform(IDataView input) => _chain.Transform(input);

    /// <summary>Saves the transformer as ML.NET's built-in transformers (ONNX inside an OnnxTransformer, then conversions).</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => _chain.Save(ctx);

    /// <summary>
    /// Writes the inference graph as a standalone ONNX model for ONNX Runtime or Python: input
    /// <c>[N, …sample shape]</c> float named as the feature column, outputs Embedding [N, D] (L2-normalised),
    /// Score [N, C] and PredictedIndex [N, 1] int64 (0-based class index into <see cref="ClassNames"/>). Weights are
    /// initializers named as in a PyTorch state dict; the metadata holds the training manifest.
    /// </summary>
    public void ExportOnnx(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        InferenceGraph.Build(Network, GraphNames(_columns) with { PredictedIndex = "PredictedIndex" }, InferenceGraphLayout.Batched, Metadata(Network, _columns, Backend)).WriteTo(destination);
    }

    /// <summary>Writes <see cref="ExportOnnx(Stream)"/> to a file, atomically (a temporary file, then a rename).</summary>
    public void ExportOnnx(string path) => AtomicFile.Write(path, ExportOnnx);

    /// <summary>
    /// Reads a model this library saved (an ML.NET .zip from <c>mlContext.Model.Save</c>, or an ONNX file from
    /// <see cref="ExportOnnx(string)"/>) back into a transformer with its weights, class names, history and columns,
    /// e.g. to inspect it or to start fine-tuning from it. For plain inference, <c>mlContext.Model.Load</c> is enough.
    /// </summary>
    /// <exception cref="ModelFormatException">The file is missing, damaged, or not a model of this library.</exception>
    public static ArcFaceTransformer Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var network = OnnxModelReader.ReadFile(path, out var metadata);
        var columns = metadata.TryGetValue(ColumnsKey, out var json) && JsonSerializer.Deserialize<ColumnNames>(json) is { } c
            ? c : new ColumnNames("Features", "Score", "PredictedLabel", "Embedding");
        return new ArcFaceTransformer(network, columns, metadata.GetValueOrDefault(BackendKey, "engine"));
    }

    private const string ColumnsKey = "mlnet-margin.columns";
    private const string BackendKey = "mlnet-margin.backend";

    private static InferenceGraphNames GraphNames(ColumnNames c) => new(c.Features, c.Embedding, c.Score, IndexColumn(c));

    private static string IndexColumn(ColumnNames c) => c.PredictedLabel + ".Index";

    private static Dictionary<string, string> Metadata(TrainedNetwork network, ColumnNames columns, string backend) => new()
    {
        [OnnxModelReader.ManifestKey] = NetworkManifest.ToManifest(network).ToJsonString(),
        [ColumnsKey] = JsonSerializer.Serialize(columns),
        [BackendKey] = backend,
        ["mlnet-margin.head"] = network.Head.Kind,
        ["mlnet-margin.classes"] = JsonSerializer.Serialize(network.ClassNames),
        ["mlnet-margin.version"] = network.Info.LibraryVersion,
    };

    private static HeadKind HeadKindOf(string kind) => Heads.HeadFactory.Parse(kind);
}

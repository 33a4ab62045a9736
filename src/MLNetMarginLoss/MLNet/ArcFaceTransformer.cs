using System.Text.Json;
using Google.Protobuf;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Heads;
using MLNetMarginLoss.MLNet;
using MLNetMarginLoss.Onnx;
using MLNetMarginLoss.Persistence;
using MLNetMarginLoss.Training;

namespace MLNetMarginLoss;

/// <summary>
/// The transformer <see cref="ArcFaceTrainer"/> returns: a trained encoder and margin head. <see cref="Transform"/>
/// adds Score (softmax of s·cos θ, no margin; the plain softmax head's softmax of its linear layer; with the class
/// names as SlotNames), PredictedLabel (a key whose values are the training label key's values, of their own type and
/// in their order, so MapKeyToValue gives the original label type back) and Embedding (L2-normalised). Inference
/// never reads the label column: outputs are the same whether it is present, missing or shuffled, and the model needs
/// only the feature column.
/// <para>
/// The transformer is, underneath, a chain of ML.NET's own transformers: the inference graph as ONNX inside an
/// OnnxTransformer, then built-in conversions for PredictedLabel (see <see cref="PredictionChain"/>). So
/// <c>mlContext.Model.Save</c> writes a standard ML.NET model that an application referencing only Microsoft.ML,
/// Microsoft.ML.OnnxTransformer and Microsoft.ML.OnnxRuntime loads with <c>mlContext.Model.Load</c>, and
/// <see cref="Transform"/> gives exactly what that loaded model gives. The ONNX metadata carries the training
/// manifest (head, options, history, metrics, class names, library version), so <see cref="Load"/> turns a saved
/// .zip back into this type, e.g. to fine-tune it (<see cref="ArcFaceTrainer.Options.InitialModel"/>).
/// </para>
/// <para>
/// <b>Embedding models.</b> One ONNX graph holds at most 2 GB. When the head's class centres would not fit (C·K·E
/// floats, plus the class names; e.g. 2 million classes of 512-d embeddings), or when
/// <see cref="ArcFaceTrainer.Options.SaveClassifier"/> is false, the transformer is an embedding model
/// (<see cref="IsEmbeddingModel"/>): its chain and its saved model add Embedding only, the class centres stay out of
/// the graph, and classification is k-NN over the class centres
/// (<c>mlContext.MulticlassClassification.Trainers.KnnClassifier(model)</c>, built before saving: a saved embedding model
/// does not hold its centres).
/// </para>
/// <para>
/// Dispose it (as any ML.NET transformer holding an ONNX Runtime session) to release the session and the temporary
/// copy of its graph that ML.NET reads when saving; copies of undisposed transformers are deleted when the process exits.
/// </para>
/// </summary>
public sealed class ArcFaceTransformer : ITransformer, IDisposable
{
    private readonly ITransformer _chain;
    private readonly OnnxModelFile _onnxFile;
    private readonly ColumnNames _columns;
    private readonly string? _noCentresReason;

    /// <summary>
    /// Wraps a trained network; <paramref name="classValues"/> are the training label key's values (default: the class
    /// names as text); <paramref name="saveClassifier"/> false makes an embedding model; <paramref name="hasClassCenters"/>
    /// is false for an embedding model read back from a file (its head's weights are not the trained ones).
    /// </summary>
    internal ArcFaceTransformer(TrainedNetwork network, ColumnNames columns, string backend, LabelKeyValues? classValues = null,
        bool saveClassifier = true, bool hasClassCenters = true)
    {
        Network = network;
        _columns = columns;
        Backend = backend;
        ClassValues = classValues ?? LabelKeyValues.FromNames(network.ClassNames);
        if (ClassValues.Count != network.ClassNames.Count)
            throw new ArgumentException($"{ClassValues.Count} label key values for {network.ClassNames.Count} classes.", nameof(classValues));
        string? partialHead = network.PartialHeadReason;
        _noCentresReason = partialHead is not null
            ? $"This model has no complete class centres: {partialHead}."
            : hasClassCenters ? null
            : "This embedding model was read back from a file, which does not hold the class centres; build the k-NN classifier over the centres from the trained model (before saving it), or fit KnnClassifier on a gallery of labelled embeddings.";
        var ml = new MLContext(seed: 0);
        var metadata = Metadata(network, columns, backend, ClassValues);
        long metadataBytes = metadata.Sum(kv => 2L * (kv.Key.Length + kv.Value.Length));
        ClassifierBytes = InferenceGraph.ClassifierBytes(network, network.ClassNames, metadataBytes);
        IsEmbeddingModel = !saveClassifier || _noCentresReason is not null || ClassifierBytes > OnnxSizeLimit.Current;
        if (IsEmbeddingModel)
        {
            EmbeddingModelReason = partialHead
                ?? (!hasClassCenters ? "it was read back from an embedding model, which holds no class centres"
                : !saveClassifier ? "Options.SaveClassifier is false"
                : $"its classifier ({ClassifierBytes / 1e9:F2} GB with {network.ClassNames.Count:N0} class centres of {network.EmbeddingSize} values and the class names) exceeds what one ONNX graph holds ({OnnxSizeLimit.Current / 1e9:F2} GB); classify by k-NN over the class centres: mlContext.MulticlassClassification.Trainers.KnnClassifier(model), built before saving");
            metadata[OnnxModelReader.EmbeddingModelKey] = "true";
            OnnxModel = EmbeddingGraph.Build(network, columns.Features, columns.Embedding, flip: false, metadata).ToByteArray();
            _onnxFile = OnnxModelFile.Write(OnnxModel);
            _chain = PredictionChain.BuildOnnx(ml, _onnxFile, columns.Features, network.InputShape.Size, [columns.Embedding]);
        }
        else
        {
            var codes = Codes = ClassCodes.Choose(ml, network.ClassNames.Count, unknown: false);
            OnnxModel = InferenceGraph.Build(network, GraphNames(columns), InferenceGraphLayout.SingleRow, metadata, network.ClassNames, codes.Table).ToByteArray();
            _onnxFile = OnnxModelFile.Write(OnnxModel);
            _chain = PredictionChain.Build(ml, _onnxFile, columns.Features, network.InputShape.Size, [columns.Embedding, columns.Score], CodeColumn(columns),
                columns.PredictedLabel, codes, ClassValues);
        }
    }

    internal TrainedNetwork Network { get; }

    internal byte[] OnnxModel { get; }

    /// <summary>The temporary copy of <see cref="OnnxModel"/> that the chain reads (deleted by <see cref="Dispose"/>).</summary>
    internal string OnnxFilePath => _onnxFile.Path;

    /// <summary>Class names in the training label key's order: key value i + 1 is <c>ClassNames[i]</c> (the text of the key's values).</summary>
    public IReadOnlyList<string> ClassNames => Network.ClassNames;

    /// <summary>
    /// Whether this is an embedding model: its output (and its saved model) is the Embedding column only, without Score
    /// and PredictedLabel, because <see cref="ArcFaceTrainer.Options.SaveClassifier"/> was false or the head's class
    /// centres would not fit in one ONNX graph (2 GB). Classify with k-NN over the class centres:
    /// <c>mlContext.MulticlassClassification.Trainers.KnnClassifier(model)</c>.
    /// </summary>
    public bool IsEmbeddingModel { get; }

    /// <summary>Why this is an embedding model (null when it is not): SaveClassifier off, or the figures of a classifier too big for one ONNX graph and what to do instead.</summary>
    public string? EmbeddingModelReason { get; }

    /// <summary>The training label key's values, typed (what PredictedLabel's key carries).</summary>
    internal LabelKeyValues ClassValues { get; }

    /// <summary>The class codes of the saved chain (null for an embedding model).</summary>
    internal ClassCodes? Codes { get; }

    /// <summary>An upper bound of the bytes of the classifier's ONNX graph (what decides <see cref="IsEmbeddingModel"/>).</summary>
    internal long ClassifierBytes { get; }

    /// <summary>
    /// The class centres the head classifies by — [C·K, E] row-major, row j·K + k is centre k of class j — and K: the one
    /// place that reads them from the head (<see cref="Heads.ClassCenters.Weight"/>; not copied when they fit one page).
    /// </summary>
    /// <exception cref="ArgumentException">The head has no class centres (the plain softmax head: a linear layer with bias), this is an embedding model read back from a file, which holds none, or a class shard's model (a process other than rank 0 of class-sharded training).</exception>
    internal (ReadOnlyMemory<float> Rows, int SubCenters) ClassCenters()
    {
        if (_noCentresReason is { } why) throw new ArgumentException(why);
        return Network.Head is CosineMarginHead head
            ? (head.Centers.Weight.PageCount == 1 ? head.Centers.Weight.Page(0) : head.Centers.Weight.ToArray(), head.SubCenters)
            : throw new ArgumentException($"The {Head} head is a linear layer with a bias, not class centres: its decision is not the most similar centre. Fit KnnClassifier on a gallery of labelled embeddings, or train a cosine head (e.g. NormSoftmax or ArcFace).");
    }

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

    /// <summary>The score column it writes (none for an embedding model).</summary>
    public string ScoreColumnName => _columns.Score;

    /// <summary>The predicted-label column it writes (none for an embedding model).</summary>
    public string PredictionColumnName => _columns.PredictedLabel;

    /// <summary>The embedding column it writes.</summary>
    public string EmbeddingColumnName => _columns.Embedding;

    /// <inheritdoc />
    public bool IsRowToRowMapper => _chain.IsRowToRowMapper;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _chain.GetOutputSchema(inputSchema);

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => _chain.GetRowToRowMapper(inputSchema);

    /// <summary>Adds Score, PredictedLabel and Embedding (an embedding model: Embedding only) to <paramref name="input"/> (lazily, as ML.NET transformers do).</summary>
    public IDataView Transform(IDataView input) => _chain.Transform(input);

    /// <summary>
    /// The columns the saved model reads: the feature column, with the sample's dimensions. Pass it to
    /// <c>mlContext.Model.Save(model, arcFace.InputSchema, path)</c> so that the saved model states that prediction needs
    /// the features only (no label).
    /// </summary>
    public DataViewSchema InputSchema
    {
        get
        {
            var shape = Network.InputShape;
            var builder = new DataViewSchema.Builder();
            builder.AddColumn(_columns.Features, shape.IsVector
                ? new VectorDataViewType(NumberDataViewType.Single, shape.Size)
                : new VectorDataViewType(NumberDataViewType.Single, shape.Channels, shape.Height, shape.Width));
            return builder.ToSchema();
        }
    }

    /// <summary>Saves the transformer as ML.NET's built-in transformers (ONNX inside an OnnxTransformer, then conversions).</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => _chain.Save(ctx);

    /// <summary>Releases the ONNX Runtime session and deletes the temporary copy of the graph; the transformer cannot be used afterwards.</summary>
    public void Dispose()
    {
        (_chain as IDisposable)?.Dispose();
        _onnxFile.Dispose();
    }

    /// <summary>
    /// Writes the inference graph as a standalone ONNX model for ONNX Runtime or Python: input
    /// <c>[N, …sample shape]</c> float named as the feature column, outputs Embedding [N, D] (L2-normalised),
    /// Score [N, C] and PredictedIndex [N, 1] int64 (0-based class index into <see cref="ClassNames"/>). Weights are
    /// initializers named as in a PyTorch state dict; the metadata holds the training manifest.
    /// </summary>
    /// <exception cref="InvalidOperationException">The classifier does not fit in one ONNX graph (2 GB).</exception>
    public void ExportOnnx(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (_noCentresReason is { } why) throw new InvalidOperationException($"{why} It has no classifier to export.");
        if (ClassifierBytes > OnnxSizeLimit.Current)
            throw new InvalidOperationException($"The classifier ({ClassifierBytes / 1e9:F1} GB with its class centres and names) does not fit in one ONNX graph (2 GB), so it cannot be exported; the saved ML.NET model is an embedding model (IsEmbeddingModel).");
        InferenceGraph.Build(Network, GraphNames(_columns) with { PredictedIndex = "PredictedIndex" }, InferenceGraphLayout.Batched, Metadata(Network, _columns, Backend, ClassValues)).WriteTo(destination);
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
        LabelKeyValues? values = null;
        if (metadata.TryGetValue(LabelKeyValuesKey, out var keyValues))
        {
            try { values = LabelKeyValues.FromJson(keyValues, network.ClassNames); }
            catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or KeyNotFoundException or OverflowException)
            {
                throw new ModelFormatException(path, $"its label key values ({LabelKeyValuesKey}) are not valid: {e.Message}");
            }
        }
        bool embedding = metadata.GetValueOrDefault(OnnxModelReader.EmbeddingModelKey) == "true";
        return new ArcFaceTransformer(network, columns, metadata.GetValueOrDefault(BackendKey, "engine"), values, saveClassifier: !embedding, hasClassCenters: !embedding);
    }

    private const string ColumnsKey = "mlnet-margin.columns";
    private const string BackendKey = "mlnet-margin.backend";
    private const string LabelKeyValuesKey = "mlnet-margin.label-key-values";

    private static InferenceGraphNames GraphNames(ColumnNames c) => new(c.Features, c.Embedding, c.Score, CodeColumn(c));

    private static string CodeColumn(ColumnNames c) => c.PredictedLabel + ".Code";

    private static Dictionary<string, string> Metadata(TrainedNetwork network, ColumnNames columns, string backend, LabelKeyValues values) => new()
    {
        [LabelKeyValuesKey] = values.ToJson(),
        [OnnxModelReader.ManifestKey] = NetworkManifest.ToManifest(network).ToJsonString(),
        [ColumnsKey] = JsonSerializer.Serialize(columns),
        [BackendKey] = backend,
        ["mlnet-margin.head"] = network.Head.Kind,
        ["mlnet-margin.classes"] = JsonSerializer.Serialize(network.ClassNames),
        ["mlnet-margin.version"] = network.Info.LibraryVersion,
    };

    private static HeadKind HeadKindOf(string kind) => Heads.HeadFactory.Parse(kind);
}

using System.Globalization;
using System.Numerics.Tensors;
using Google.Protobuf;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Embeddings;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.MLNet;

namespace MLNetMarginLoss;

/// <summary>
/// The transformer <see cref="KnnClassifier"/> returns: a labelled gallery of embeddings that classifies by cosine
/// k-nearest-neighbour vote. <see cref="Transform"/> reads the embedding column and adds Score (each class's share of
/// the neighbours' vote weight, in the gallery label key's order, with the class names as SlotNames), PredictedLabel
/// (a key with the gallery label key's values, of their own type, so MapKeyToValue gives them back; key 0, ML.NET's
/// missing value, for a row no neighbour of which reaches the similarity threshold) and Similarity (the best cosine, a
/// Vector&lt;Single, 1&gt;). Labels are never read. The gallery is labelled embeddings (<see cref="KnnClassifier"/>'s
/// Fit) or a trained model's class centres (the catalog's <c>KnnClassifier(model, …)</c>).
/// <para>
/// Underneath it is a chain of ML.NET's own transformers: the gallery and the vote as an ONNX graph in an
/// OnnxTransformer, then the conversions that make PredictedLabel a key. So <c>mlContext.Model.Save</c> writes a
/// standard ML.NET model that an application referencing only Microsoft.ML, Microsoft.ML.OnnxTransformer and
/// Microsoft.ML.OnnxRuntime loads with <c>mlContext.Model.Load</c>, and <see cref="Transform"/> gives exactly what that
/// loaded model gives. That path scores one row at a time; <see cref="Classify(IDataView)"/> and
/// <see cref="Search(ReadOnlySpan{float}, int)"/> score whole batches with a blocked GEMM and a streaming top-k (the
/// same rule, up to float rounding in near-ties).
/// </para>
/// <para>Dispose it to release the ONNX Runtime session and the temporary copy of its graph (see <see cref="ArcFaceTransformer"/>).</para>
/// </summary>
public sealed class KnnTransformer : ITransformer, IDisposable
{
    private readonly OnnxModelFile? _onnxFile;
    private readonly IEstimator<ITransformer>? _estimator;
    private readonly KnnIndex _index;
    private readonly KnnClassifier.Options _options;
    private readonly ITransformer? _chain;
    private readonly uint[] _galleryLabels;

    internal KnnTransformer(KnnIndex index, LabelKeyValues classes, KnnClassifier.Options options)
    {
        _index = index;
        _options = options;
        ClassNames = classes.Names.ToArray();
        _galleryLabels = new uint[index.Count];
        for (int i = 0; i < _galleryLabels.Length; i++) _galleryLabels[i] = (uint)index.Labels[i] + 1;
        // The ONNX graph holds the gallery: beyond one graph's limit the classifier works in batches (Classify,
        // Search) but has no ML.NET chain.
        GraphBytes = 4L * index.Count * index.Dimension + 8L * (index.Count + index.ClassCount + 1)
            + ClassNames.Sum(n => 2L * System.Text.Encoding.UTF8.GetByteCount(n) + 32) + (1 << 20);
        if (GraphBytes > Onnx.OnnxSizeLimit.Current) return;

        bool unknown = SimilarityThreshold is not null;
        if (unknown) classes = classes.WithUnknown();
        var names = new KnnGraphNames(options.FeatureColumnName, options.ScoreColumnName, options.SimilarityColumnName, options.PredictionColumnName + ".Code");
        var metadata = new Dictionary<string, string>
        {
            ["mlnet-margin.component"] = nameof(KnnClassifier),
            ["mlnet-margin.k"] = K.ToString(CultureInfo.InvariantCulture),
            ["mlnet-margin.voting"] = Voting.ToString(),
            ["mlnet-margin.similarity-threshold"] = SimilarityThreshold?.ToString("R", CultureInfo.InvariantCulture) ?? "",
            ["mlnet-margin.class-names"] = System.Text.Json.JsonSerializer.Serialize(ClassNames),
            ["mlnet-margin.label-key-values"] = classes.ToJson(),
        };
        var ml = new MLContext(seed: 0);
        var codes = ClassCodes.Choose(ml, ClassNames.Count, unknown);
        _onnxFile = OnnxModelFile.Write(KnnGraph.Build(index, names, metadata, ClassNames, codes.Table).ToByteArray());
        _chain = PredictionChain.Build(ml, _onnxFile, names.Input, index.Dimension, [names.Score, names.Similarity], names.PredictedIndex,
            options.PredictionColumnName, codes, classes, out _estimator);
    }

    /// <summary>The temporary copy of the graph that the chain reads (null without a chain; deleted by <see cref="Dispose"/>).</summary>
    internal string? OnnxFilePath => _onnxFile?.Path;

    /// <summary>An upper bound of the bytes of the classifier's ONNX graph (the gallery, codes, class names).</summary>
    internal long GraphBytes { get; }

    /// <summary>Class names in the gallery label key's order: key value i + 1 (Score slot i) is <c>ClassNames[i]</c>.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Neighbours that vote: <see cref="KnnClassifier.Options.K"/>, at most <see cref="GallerySize"/>.</summary>
    public int K => _index.K;

    /// <summary>The vote weighting.</summary>
    public KnnVoting Voting => _index.Voting;

    /// <summary>The open-set threshold (a cosine), or null when every row gets a class.</summary>
    public float? SimilarityThreshold => _index.SimilarityThreshold;

    /// <summary>Rows in the gallery.</summary>
    public int GallerySize => _index.Count;

    /// <summary>Dimension of the embeddings.</summary>
    public int EmbeddingSize => _index.Dimension;

    /// <summary>The label key value (1-based, as in the gallery's label column) of every gallery row, in gallery order.</summary>
    public IReadOnlyList<uint> GalleryLabels => _galleryLabels;

    /// <summary>The embedding column read.</summary>
    public string FeatureColumnName => _options.FeatureColumnName;

    /// <summary>The vote-share column written.</summary>
    public string ScoreColumnName => _options.ScoreColumnName;

    /// <summary>The predicted-label column written.</summary>
    public string PredictionColumnName => _options.PredictionColumnName;

    /// <summary>The best-similarity column written.</summary>
    public string SimilarityColumnName => _options.SimilarityColumnName;

    /// <summary>
    /// Whether the gallery fits in one ONNX graph (2 GB), so that the classifier runs as an ML.NET transformer and
    /// saves with <c>mlContext.Model.Save</c>. A larger gallery still classifies with <see cref="Classify(IDataView)"/>
    /// and <see cref="Search(IDataView, int)"/>.
    /// </summary>
    public bool CanSave => _chain is not null;

    /// <inheritdoc />
    public bool IsRowToRowMapper => Chain.IsRowToRowMapper;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        CheckInput(inputSchema);
        return Chain.GetOutputSchema(inputSchema);
    }

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        CheckInput(inputSchema);
        return Chain.GetRowToRowMapper(inputSchema);
    }

    /// <summary>Adds Score, PredictedLabel and Similarity to <paramref name="input"/> (lazily, one row at a time, as ML.NET transformers do).</summary>
    /// <exception cref="ArgumentException">The embedding column is missing or is not a vector of <see cref="EmbeddingSize"/> Single values.</exception>
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckInput(input.Schema);
        return Chain.Transform(input);
    }

    /// <summary>Saves the transformer as ML.NET's built-in transformers (ONNX inside an OnnxTransformer, then conversions).</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => Chain.Save(ctx);

    /// <summary>The schema shape <see cref="Transform"/> gives for an input of shape <paramref name="input"/> (the input plus Score, PredictedLabel and Similarity).</summary>
    internal SchemaShape GetOutputSchema(SchemaShape input)
    {
        _ = Chain;   // a gallery too large for one graph has no chain: say so
        return _estimator!.GetOutputSchema(input);
    }

    /// <summary>Releases the ONNX Runtime session and deletes the temporary copy of the graph; the batch methods keep working.</summary>
    public void Dispose()
    {
        (_chain as IDisposable)?.Dispose();
        _onnxFile?.Dispose();
    }

    private ITransformer Chain => _chain ?? throw new InvalidOperationException(
        $"This k-NN gallery ({GallerySize:N0} × {EmbeddingSize} floats, about {GraphBytes / 1e9:F1} GB with its labels and class names) does not fit in one ONNX graph (2 GB), so it cannot run as an ML.NET transformer or be saved; classify in batches with KnnTransformer.Classify or Search, or use a smaller gallery.");

    /// <summary>
    /// Classifies every row of <paramref name="input"/> in one batch (its embedding column is read once; the gallery is
    /// searched with a blocked GEMM and a streaming top-k): the fast path for evaluating many rows.
    /// </summary>
    /// <exception cref="ArgumentException">The embedding column is missing, of the wrong size, or holds a value that is not finite.</exception>
    public KnnPredictions Classify(IDataView input) => Classify(ReadEmbeddings(input));

    /// <summary>Classifies row-major query embeddings (<see cref="EmbeddingSize"/> floats per row; need not be normalised).</summary>
    public KnnPredictions Classify(ReadOnlySpan<float> queries)
    {
        var (score, predicted, similarity, neighbors) = _index.Classify(queries);
        return new KnnPredictions(ClassNames, score, predicted, similarity, neighbors);
    }

    /// <summary>
    /// Retrieval: the <paramref name="k"/> most similar gallery rows of every query (row-major, <see cref="EmbeddingSize"/>
    /// floats per row), best first, as gallery row indices with their cosine similarities (k is capped at the gallery size).
    /// </summary>
    public NeighborList Search(ReadOnlySpan<float> queries, int k) => _index.Search(queries, k);

    /// <summary>Retrieval for every row of <paramref name="input"/>'s embedding column; see <see cref="Search(ReadOnlySpan{float}, int)"/>.</summary>
    public NeighborList Search(IDataView input, int k) => _index.Search(ReadEmbeddings(input), k);

    /// <summary>
    /// Verification with this classifier's <see cref="SimilarityThreshold"/>: the cosine similarity of two embeddings
    /// and whether it reaches the threshold (same identity / class).
    /// </summary>
    /// <exception cref="InvalidOperationException">The classifier has no similarity threshold; use the static overload.</exception>
    public (float Similarity, bool Same) Verify(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
        => Verify(a, b, SimilarityThreshold ?? throw new InvalidOperationException("This classifier has no SimilarityThreshold; pass a threshold to KnnTransformer.Verify(a, b, threshold)."));

    /// <summary>
    /// Verification: the cosine similarity of two embeddings and whether it reaches <paramref name="threshold"/> — e.g.
    /// a threshold chosen by the 10-fold protocol of <c>mlContext.MulticlassClassification.EvaluateVerification</c>.
    /// </summary>
    public static (float Similarity, bool Same) Verify(ReadOnlySpan<float> a, ReadOnlySpan<float> b, float threshold)
    {
        float s = Similarity(a, b);
        return (s, s >= threshold);
    }

    /// <summary>The cosine similarity of two embeddings (0 when either is zero).</summary>
    /// <exception cref="ArgumentException">The embeddings are empty or differ in size.</exception>
    public static float Similarity(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length || a.Length == 0) throw new ArgumentException($"Embeddings of sizes {a.Length} and {b.Length} cannot be compared.");
        float na = TensorPrimitives.Norm(a), nb = TensorPrimitives.Norm(b);
        return TensorPrimitives.Dot(a, b) / MathF.Max(na * nb, 1e-12f);
    }

    private float[] ReadEmbeddings(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckInput(input.Schema);
        return DataViewReader.Read(input, FeatureColumnName, null, TensorShape.Vector(EmbeddingSize), "query data", requireLabels: false).Features;
    }

    internal void CheckInput(DataViewSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var col = schema.GetColumnOrNull(FeatureColumnName)
            ?? throw new ArgumentException($"The input has no embedding column '{FeatureColumnName}' (columns: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => c.Name))}); add mlContext.Transforms.ExtractEmbeddings(model) before the classifier or set FeatureColumnName.");
        if (col.Type is not VectorDataViewType { ItemType: var item, Size: var n } || item != NumberDataViewType.Single || n != EmbeddingSize)
            throw new ArgumentException($"Column '{FeatureColumnName}' is {col.Type}, but the gallery holds embeddings of {EmbeddingSize} Single values.");
    }
}

using MLNetMarginLoss;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Evaluation;
using MLNetMarginLoss.MLNet;

namespace Microsoft.ML;

/// <summary>
/// Evaluation of embeddings and margin models on an <see cref="IDataView"/>, beyond ML.NET's own
/// <c>mlContext.MulticlassClassification.Evaluate</c> (which stays the multiclass one and works on every classifier of
/// this library): retrieval, verification, embedding geometry, a per-class report, batched k-NN accuracy and one
/// combined report for a trained model. Labels are key columns (add <c>mlContext.Transforms.Conversion.MapValueToKey</c>);
/// embeddings known-size vectors of Single (need not be normalised). Extension methods live in namespace Microsoft.ML,
/// as ML.NET's own extension packages' do.
/// </summary>
public static class MarginEvaluationCatalog
{
    /// <summary>
    /// Leave-one-out retrieval metrics of the labelled embeddings under cosine similarity: precision@1, R-precision and
    /// MAP@R (Musgrave et al., "A Metric Learning Reality Check"), by exact blocked-GEMM search.
    /// </summary>
    /// <param name="catalog">The multiclass catalog.</param>
    /// <param name="data">Rows with a label and an embedding column, e.g. a trained model's or an extractor's output.</param>
    /// <param name="labelColumnName">The key label column. Default "Label".</param>
    /// <param name="embeddingColumnName">The embedding column. Default "Embedding".</param>
    /// <exception cref="ArgumentException">A column is missing or of the wrong type, a label is missing, fewer than 2 rows, or no class has 2 rows.</exception>
    public static RetrievalMetrics EvaluateRetrieval(this MulticlassClassificationCatalog catalog, IDataView data,
        string labelColumnName = "Label", string embeddingColumnName = "Embedding")
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var rows = LabelledEmbeddings.Read(data, labelColumnName, embeddingColumnName, "retrieval data");
        return RetrievalEvaluator.Evaluate(rows.Features, rows.RowSize, rows.Labels!);
    }

    /// <summary>
    /// Verification ("same class or not?") on <paramref name="pairs"/> balanced pairs of rows drawn from the data: the
    /// ROC curve of their cosine similarities, AUC, EER, TAR at FAR 1e-1…1e-4 and the 10-fold LFW-protocol accuracy.
    /// </summary>
    /// <param name="catalog">The multiclass catalog.</param>
    /// <param name="data">Rows with a label and an embedding column.</param>
    /// <param name="labelColumnName">The key label column. Default "Label".</param>
    /// <param name="embeddingColumnName">The embedding column. Default "Embedding".</param>
    /// <param name="pairs">Pairs to draw, a positive even number (half same-class, half different). Default 6000, LFW's count.</param>
    /// <param name="seed">Seed of the pair draw: the same seed draws the same pairs. Default 0.</param>
    /// <exception cref="ArgumentException">A column is missing or of the wrong type, a label is missing, or the data has fewer than 2 classes or no class with 2 rows.</exception>
    public static VerificationMetrics EvaluateVerification(this MulticlassClassificationCatalog catalog, IDataView data,
        string labelColumnName = "Label", string embeddingColumnName = "Embedding", int pairs = 6000, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var rows = LabelledEmbeddings.Read(data, labelColumnName, embeddingColumnName, "verification data");
        var drawn = PairGenerator.Generate(rows.Labels!, pairs, new SeededRandom(seed));
        return VerificationEvaluator.Evaluate(rows.Features, rows.RowSize, drawn);
    }

    /// <summary>The geometry of the labelled embeddings on the unit sphere: intra-class and inter-centre angles, PCA spectrum.</summary>
    /// <param name="catalog">The multiclass catalog.</param>
    /// <param name="data">Rows with a label and an embedding column.</param>
    /// <param name="labelColumnName">The key label column. Default "Label".</param>
    /// <param name="embeddingColumnName">The embedding column. Default "Embedding".</param>
    public static EmbeddingDiagnostics EvaluateEmbeddings(this MulticlassClassificationCatalog catalog, IDataView data,
        string labelColumnName = "Label", string embeddingColumnName = "Embedding")
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var rows = LabelledEmbeddings.Read(data, labelColumnName, embeddingColumnName, "embedding data");
        return EmbeddingDiagnostics.Compute(rows.Features, rows.RowSize, rows.Labels!);
    }

    /// <summary>
    /// Per-class precision, recall, F1 and support with scikit-learn's definitions and layout (<see cref="ClassificationReport.ToText"/>),
    /// from any classifier's output. A predicted key 0 (the k-NN classifier's "unknown") is a miss.
    /// </summary>
    /// <param name="catalog">The multiclass catalog.</param>
    /// <param name="data">Scored rows with the true label and the predicted label, both keys; predictions are matched to the label's classes by name when the keys differ.</param>
    /// <param name="labelColumnName">The key label column. Default "Label".</param>
    /// <param name="predictedLabelColumnName">The predicted key column. Default "PredictedLabel".</param>
    /// <exception cref="ArgumentException">A column is missing or not a key, a label is missing, a predicted class is not a label value, or there are no rows.</exception>
    public static ClassificationReport ClassificationReport(this MulticlassClassificationCatalog catalog, IDataView data,
        string labelColumnName = "Label", string predictedLabelColumnName = "PredictedLabel")
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var (labels, predicted, names) = LabelledEmbeddings.ReadPredictions(data, labelColumnName, predictedLabelColumnName, "scored data");
        return MLNetMarginLoss.Evaluation.ClassificationReport.Create(labels, predicted, names.Length, names);
    }

    /// <summary>
    /// k-NN accuracy and the per-class report of <paramref name="knn"/> on labelled embeddings, classified in one batch
    /// (<see cref="KnnTransformer.Classify(IDataView)"/>: blocked GEMM and streaming top-k, not the row-at-a-time saved
    /// path). Unknown rows (open set) are misses, counted in <see cref="ClassificationReport.UnknownCount"/>.
    /// </summary>
    /// <param name="catalog">The multiclass catalog.</param>
    /// <param name="knn">A fitted k-NN classifier.</param>
    /// <param name="data">Rows with the classifier's embedding column and a key label column.</param>
    /// <param name="labelColumnName">The key label column; matched to the gallery's classes by name. Default "Label".</param>
    /// <exception cref="ArgumentException">A column is missing or of the wrong type, a label is missing, or a label is not one of the gallery's classes.</exception>
    public static ClassificationReport EvaluateKnn(this MulticlassClassificationCatalog catalog, KnnTransformer knn, IDataView data, string labelColumnName = "Label")
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(knn);
        var rows = LabelledEmbeddings.Read(data, labelColumnName, knn.FeatureColumnName, "k-NN evaluation data");
        var labels = AlignLabels(rows, knn.ClassNames, labelColumnName);
        var predictions = knn.Classify(rows.Features);
        return MLNetMarginLoss.Evaluation.ClassificationReport.Create(labels, predictions.PredictedIndex, knn.ClassNames.Count, knn.ClassNames);
    }

    /// <summary>
    /// Leave-one-out k-NN accuracy of labelled embeddings: every row is classified by the distance-weighted vote of its
    /// k most cosine-similar other rows (exact blocked-GEMM search), as if the rest of the data were the gallery.
    /// </summary>
    /// <param name="catalog">The multiclass catalog.</param>
    /// <param name="data">Rows with a label and an embedding column.</param>
    /// <param name="labelColumnName">The key label column. Default "Label".</param>
    /// <param name="embeddingColumnName">The embedding column. Default "Embedding".</param>
    /// <param name="k">Neighbours that vote. Default 5.</param>
    /// <exception cref="ArgumentException">A column is missing or of the wrong type, a label is missing, or fewer than 2 rows.</exception>
    public static double EvaluateKnnLeaveOneOut(this MulticlassClassificationCatalog catalog, IDataView data,
        string labelColumnName = "Label", string embeddingColumnName = "Embedding", int k = 5)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be at least 1.");
        var rows = LabelledEmbeddings.Read(data, labelColumnName, embeddingColumnName, "k-NN evaluation data");
        return ModelEvaluator.LeaveOneOutKnnAccuracy(rows.Features, rows.RowSize, rows.Labels!, rows.ClassCount, k);
    }

    /// <summary>
    /// Evaluates a trained model on labelled data in one batched pass through the engine (the in-library fast path; the
    /// saved model's row-at-a-time ONNX path gives the same predictions up to float rounding): the head's
    /// multiclass metrics and per-class report, and optionally k-NN accuracy of the embeddings (against
    /// <paramref name="gallery"/>, else leave-one-out within <paramref name="data"/>), retrieval metrics, verification
    /// on balanced pairs and embedding diagnostics.
    /// </summary>
    /// <param name="catalog">The multiclass catalog.</param>
    /// <param name="model">The trained model.</param>
    /// <param name="data">Labelled rows with the model's feature column.</param>
    /// <param name="gallery">k-NN gallery rows (e.g. the training data), same columns; null = leave-one-out within <paramref name="data"/>.</param>
    /// <param name="labelColumnName">The key label column of both views; classes are matched to the model's by name. Default "Label".</param>
    /// <param name="knnK">k for the k-NN accuracy (distance-weighted vote); 0 skips it. Default 5.</param>
    /// <param name="retrieval">Compute precision@1, R-precision and MAP@R. Default false.</param>
    /// <param name="verificationPairs">Balanced pairs to verify (a positive even number); 0 skips it. Default 0.</param>
    /// <param name="diagnostics">Compute angles and the PCA spectrum. Default false.</param>
    /// <param name="seed">Seed of the pair draw. Default 0.</param>
    /// <exception cref="ArgumentException">A column is missing or of the wrong type, a label is missing or not one of the model's classes.</exception>
    public static ModelEvaluationReport EvaluateMarginModel(this MulticlassClassificationCatalog catalog, ArcFaceTransformer model, IDataView data,
        IDataView? gallery = null, string labelColumnName = "Label", int knnK = 5, bool retrieval = false, int verificationPairs = 0,
        bool diagnostics = false, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        if (knnK < 0) throw new ArgumentOutOfRangeException(nameof(knnK), knnK, "knnK must be 0 (skip) or more.");
        var shape = model.Network.InputShape;
        InputColumns.Check(data.Schema, labelColumnName, model.FeatureColumnName, "The evaluation data");
        var rows = DataViewReader.Read(data, model.FeatureColumnName, labelColumnName, shape, "evaluation data", requireLabels: true);
        MLNetMarginLoss.Data.Dataset? reference = null;
        if (gallery is not null)
        {
            InputColumns.Check(gallery.Schema, labelColumnName, model.FeatureColumnName, "The gallery");
            reference = DataViewReader.Read(gallery, model.FeatureColumnName, labelColumnName, shape, "gallery", requireLabels: true);
        }
        return ModelEvaluator.Evaluate(model, rows, knnK, reference, retrieval, verificationPairs, diagnostics, seed);
    }

    private static int[] AlignLabels(MLNetMarginLoss.Data.Dataset rows, IReadOnlyList<string> classNames, string labelColumn)
    {
        var labels = rows.Labels!;
        if (rows.ClassNames.SequenceEqual(classNames)) return labels;
        var index = new Dictionary<string, int>();
        for (int i = 0; i < classNames.Count; i++) index.TryAdd(classNames[i], i);
        var map = new int[rows.ClassCount];
        for (int j = 0; j < map.Length; j++)
            map[j] = index.TryGetValue(rows.ClassNames[j], out var k) ? k : -2;
        var result = new int[labels.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            result[i] = map[labels[i]];
            if (result[i] < 0)
                throw new ArgumentException($"{rows.Source}: row {i + 1}, column '{labelColumn}': class '{rows.ClassNames[labels[i]]}' is not one of the gallery's classes [{string.Join(", ", classNames.Take(10))}].");
        }
        return result;
    }
}

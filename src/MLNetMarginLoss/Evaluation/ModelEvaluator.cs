using MLNetMarginLoss.Data;
using MLNetMarginLoss.Embeddings;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Training;

namespace MLNetMarginLoss.Evaluation;

/// <summary>
/// Evaluates a trained model on labelled rows in one call, batched through the engine (the path behind
/// <c>mlContext.MulticlassClassification.EvaluateMarginModel</c>): the head's classification metrics and report, and
/// optionally k-NN accuracy on the embeddings, leave-one-out retrieval metrics, verification on balanced pairs and
/// embedding diagnostics. Predictions never read the labels; only the scoring here does.
/// </summary>
internal static class ModelEvaluator
{
    /// <summary>Evaluates <paramref name="model"/> on <paramref name="data"/>.</summary>
    /// <param name="model">The trained model.</param>
    /// <param name="data">Labelled evaluation data.</param>
    /// <param name="knnK">k for k-NN accuracy (0 = skip).</param>
    /// <param name="reference">The k-NN gallery (e.g. training data); null = leave-one-out within <paramref name="data"/>.</param>
    /// <param name="retrieval">Compute precision@1, R-precision and MAP@R.</param>
    /// <param name="verificationPairs">Number of balanced same/different pairs to verify (0 = skip).</param>
    /// <param name="diagnostics">Compute angles and the PCA spectrum.</param>
    /// <param name="seed">Seed of the pair generator.</param>
    public static ModelEvaluationReport Evaluate(ArcFaceTransformer model, Dataset data, int knnK = 0, Dataset? reference = null,
        bool retrieval = false, int verificationPairs = 0, bool diagnostics = false, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        if (!data.HasLabels) throw new ArgumentException($"{data.Source}: evaluation needs a label column.");
        var labels = AlignLabels(model, data);
        var p = model.Network.Transform(data);
        int c = model.ClassNames.Count;
        var metrics = MulticlassEvaluator.Evaluate(labels, p.Score, c, Math.Min(5, c), model.ClassNames);
        var report = ClassificationReport.Create(labels, p.PredictedLabel, c, model.ClassNames);

        double? knnAccuracy = null;
        if (knnK > 0)
        {
            if (reference is null)
            {
                knnAccuracy = LeaveOneOutKnnAccuracy(p.Embedding, p.EmbeddingSize, labels, c, knnK);
            }
            else
            {
                var gallery = model.Network.Transform(reference);
                var index = new KnnIndex(gallery.Embedding, gallery.EmbeddingSize, AlignLabels(model, reference), c, knnK, KnnVoting.DistanceWeighted, null);
                var predicted = index.Classify(p.Embedding).Predicted;
                knnAccuracy = predicted.Zip(labels).Count(t => t.First == t.Second) / (double)labels.Length;
            }
        }
        var retrievalMetrics = retrieval ? RetrievalEvaluator.Evaluate(p.Embedding, p.EmbeddingSize, labels) : null;
        VerificationMetrics? verification = null;
        if (verificationPairs > 0)
        {
            var pairs = PairGenerator.Generate(labels, verificationPairs, new SeededRandom(seed));
            verification = VerificationEvaluator.Evaluate(p.Embedding, p.EmbeddingSize, pairs);
        }
        var diag = diagnostics ? EmbeddingDiagnostics.Compute(p.Embedding, p.EmbeddingSize, labels) : null;
        return new ModelEvaluationReport
        {
            Classification = metrics, Report = report, KnnAccuracy = knnAccuracy, KnnK = knnK > 0 ? knnK : null,
            Retrieval = retrievalMetrics, Verification = verification, Diagnostics = diag,
        };
    }

    /// <summary>
    /// k-NN accuracy with every row classified by the distance-weighted vote of its k nearest other rows (cosine,
    /// exact search; the row itself is left out).
    /// </summary>
    public static double LeaveOneOutKnnAccuracy(float[] embeddings, int dimension, int[] labels, int classCount, int k)
    {
        if (labels.Length < 2) throw new ArgumentException("Leave-one-out k-NN needs at least 2 rows.");
        var search = new CosineSearch(embeddings, dimension);
        var predicted = new KnnVoter(labels, classCount).VoteAll(search.SearchReferences(Math.Min(k, labels.Length - 1)));
        return predicted.Zip(labels).Count(t => t.First == t.Second) / (double)labels.Length;
    }

    /// <summary>
    /// The data's labels as indices into the model's classes: identical class lists map directly; otherwise labels are
    /// matched by class name, and a name the model does not know is an error.
    /// </summary>
    public static int[] AlignLabels(ArcFaceTransformer model, Dataset data)
    {
        var labels = data.Labels ?? throw new ArgumentException($"{data.Source}: no label column.");
        if (data.ClassNames.SequenceEqual(model.ClassNames)) return labels;
        var index = model.ClassNames.Select((n, i) => (n, i)).ToDictionary(t => t.n, t => t.i);
        var map = new int[data.ClassCount];
        for (int j = 0; j < map.Length; j++)
            map[j] = index.TryGetValue(data.ClassNames[j], out var k) ? k
                : throw new ArgumentException($"{data.Source}: class '{data.ClassNames[j]}' is not one of the model's classes [{string.Join(", ", model.ClassNames)}].");
        return labels.Select(l => map[l]).ToArray();
    }
}

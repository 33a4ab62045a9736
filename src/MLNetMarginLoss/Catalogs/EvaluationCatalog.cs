using MLNetMarginLoss.Data;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Evaluation;
using MLNetMarginLoss.Training;

namespace MLNetMarginLoss;

/// <summary>Classification, retrieval and verification metrics.</summary>
public sealed class EvaluationCatalog
{
    internal EvaluationCatalog() { }

    /// <summary>Multiclass metrics (ML.NET names) of scored rows whose input carried labels.</summary>
    public MulticlassMetrics Evaluate(PredictionSet predictions, int topK = 0)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        var labels = predictions.Input.Labels ?? throw new ArgumentException($"{predictions.Input.Source}: the scored data has no label column to evaluate against.");
        return MulticlassEvaluator.Evaluate(labels, predictions.Score, predictions.ClassCount, topK, predictions.ClassNames);
    }

    /// <summary>The full report of a model on labelled data (see <see cref="ModelEvaluator.Evaluate"/>).</summary>
    public ModelEvaluationReport EvaluateModel(MarginModel model, Dataset data, int knnK = 0, Dataset? reference = null, bool retrieval = false, int verificationPairs = 0) =>
        ModelEvaluator.Evaluate(model, data, knnK, reference, retrieval, verificationPairs, diagnostics: true);

    /// <summary>Verification metrics on balanced pairs generated from labelled embeddings.</summary>
    public VerificationMetrics EvaluateVerification(float[] embeddings, int dimension, int[] labels, int pairCount = 6000, long seed = 0) =>
        VerificationEvaluator.Evaluate(embeddings, dimension, PairGenerator.Generate(labels, pairCount, new SeededRandom(seed)));

    /// <summary>Leave-one-out retrieval metrics of labelled embeddings.</summary>
    public RetrievalMetrics EvaluateRetrieval(float[] embeddings, int dimension, int[] labels) => RetrievalEvaluator.Evaluate(embeddings, dimension, labels);
}

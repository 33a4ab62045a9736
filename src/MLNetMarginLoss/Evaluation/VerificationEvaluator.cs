using MLNetMarginLoss.Embeddings;

namespace MLNetMarginLoss.Evaluation;

/// <summary>Scores verification pairs by cosine similarity of their embeddings and computes <see cref="VerificationMetrics"/>.</summary>
internal static class VerificationEvaluator
{
    /// <summary>Cosine similarity of every pair of rows of <paramref name="embeddings"/> (row-major, N × <paramref name="dimension"/>).</summary>
    public static float[] ScorePairs(ReadOnlySpan<float> embeddings, int dimension, VerificationPairs pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        int n = RowNormalization.CheckShape(embeddings.Length, dimension, nameof(embeddings));
        var normalized = RowNormalization.Normalize(embeddings, dimension);
        var scores = new float[pairs.Count];
        for (int p = 0; p < pairs.Count; p++)
        {
            int a = pairs.First[p], b = pairs.Second[p];
            if ((uint)a >= (uint)n || (uint)b >= (uint)n)
                throw new ArgumentException($"Pair {p} ({a}, {b}) refers to a row outside the {n} embeddings.", nameof(pairs));
            scores[p] = System.Numerics.Tensors.TensorPrimitives.Dot(
                normalized.AsSpan(a * dimension, dimension), normalized.AsSpan(b * dimension, dimension));
        }
        return scores;
    }

    /// <summary>Scores <paramref name="pairs"/> and computes ROC, AUC, EER, TAR@FAR and the 10-fold accuracy.</summary>
    public static VerificationMetrics Evaluate(ReadOnlySpan<float> embeddings, int dimension, VerificationPairs pairs, int folds = 10)
        => new(ScorePairs(embeddings, dimension, pairs), pairs.IsSame, folds);
}

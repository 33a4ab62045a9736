namespace MLNetMarginLoss.Embeddings;

/// <summary>
/// What <see cref="KnnModel.Transform"/> adds to query embeddings: <c>Score</c> (each class's share of the
/// neighbours' vote weight), <c>PredictedLabel</c> (−1 = unknown, in open-set mode) and <c>Similarity</c>
/// (the cosine similarity of the nearest reference).
/// </summary>
public sealed class KnnPredictionSet
{
    internal KnnPredictionSet(float[] score, int classCount, int[] predictedLabel, float[] similarity, NeighborList neighbors)
    {
        Score = score;
        ClassCount = classCount;
        PredictedLabel = predictedLabel;
        Similarity = similarity;
        Neighbors = neighbors;
    }

    /// <summary>Vote shares, row-major [Count × ClassCount]; a row of zeros for an unknown query.</summary>
    public float[] Score { get; }

    /// <summary>Number of classes.</summary>
    public int ClassCount { get; }

    /// <summary>Predicted class per query, or <see cref="KnnVoter.Unknown"/>.</summary>
    public int[] PredictedLabel { get; }

    /// <summary>Similarity of each query's nearest reference.</summary>
    public float[] Similarity { get; }

    /// <summary>The k nearest references of each query.</summary>
    public NeighborList Neighbors { get; }

    /// <summary>Number of queries.</summary>
    public int Count => PredictedLabel.Length;

    /// <summary>Fraction of queries whose prediction equals <paramref name="labels"/> (unknown counts as wrong).</summary>
    public double Accuracy(ReadOnlySpan<int> labels)
    {
        if (labels.Length != Count) throw new ArgumentException($"{labels.Length} labels for {Count} predictions.");
        int correct = 0;
        for (int i = 0; i < Count; i++) if (PredictedLabel[i] == labels[i]) correct++;
        return Count == 0 ? 0 : (double)correct / Count;
    }
}

using MLNetMarginLoss.Embeddings;

namespace MLNetMarginLoss;

/// <summary>
/// What <see cref="KnnTransformer.Classify(Microsoft.ML.IDataView)"/> computes for a batch of query rows, in row
/// order: the same Score, PredictedLabel and Similarity the transformer's columns hold, plus each row's neighbours.
/// </summary>
public sealed class KnnPredictions
{
    private readonly int[] _predicted;

    internal KnnPredictions(IReadOnlyList<string> classNames, float[] score, int[] predicted, float[] similarity, NeighborList neighbors)
    {
        ClassNames = classNames;
        Score = score;
        _predicted = predicted;
        PredictedLabel = predicted.Select(p => p == KnnVoter.Unknown ? 0u : (uint)p + 1).ToArray();
        Similarity = similarity;
        Neighbors = neighbors;
    }

    /// <summary>Number of rows.</summary>
    public int Count => PredictedLabel.Length;

    /// <summary>Class names; Score slot i and key value i + 1 are <c>ClassNames[i]</c>.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Number of classes.</summary>
    public int ClassCount => ClassNames.Count;

    /// <summary>Vote shares, row-major [Count × ClassCount]; a row of zeros for an unknown row.</summary>
    public float[] Score { get; }

    /// <summary>Predicted key value per row: i + 1 for <c>ClassNames[i]</c>, 0 for unknown (open set).</summary>
    public uint[] PredictedLabel { get; }

    /// <summary>Cosine similarity of each row's nearest gallery row.</summary>
    public float[] Similarity { get; }

    /// <summary>The k nearest gallery rows of each row, best first.</summary>
    public NeighborList Neighbors { get; }

    /// <summary>Predicted class index per row (0-based), −1 for unknown.</summary>
    internal ReadOnlySpan<int> PredictedIndex => _predicted;

    /// <summary>The vote shares of row <paramref name="row"/>.</summary>
    public ReadOnlySpan<float> ScoreRow(int row) => Score.AsSpan(row * ClassCount, ClassCount);

    /// <summary>Whether row <paramref name="row"/> was answered "unknown".</summary>
    public bool IsUnknown(int row) => PredictedLabel[row] == 0;

    /// <summary>The predicted class name of row <paramref name="row"/>, or null when it is unknown.</summary>
    public string? PredictedClassName(int row) => PredictedLabel[row] is var key and > 0 ? ClassNames[(int)key - 1] : null;
}

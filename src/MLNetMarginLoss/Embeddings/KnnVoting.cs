namespace MLNetMarginLoss;

/// <summary>How the k nearest neighbours' labels are combined into one prediction.</summary>
public enum KnnVoting
{
    /// <summary>Each neighbour gives one vote.</summary>
    Majority,

    /// <summary>Each neighbour's vote is its cosine similarity, clamped at 0 (dissimilar neighbours do not vote).</summary>
    SimilarityWeighted,

    /// <summary>Each neighbour's vote is 1 / (cosine distance + 1e-6), cosine distance = 1 − similarity.</summary>
    DistanceWeighted,
}

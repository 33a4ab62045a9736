namespace MLNetMarginLoss.Embeddings;

/// <summary>Settings of a <see cref="KnnClassifier"/>.</summary>
public sealed class KnnClassifierOptions
{
    /// <summary>Neighbours that vote. Default: 5.</summary>
    public int K { get; set; } = 5;

    /// <summary>How neighbours' votes are weighted. Default: distance-weighted (1 / (1 − cos)).</summary>
    public KnnVoting Voting { get; set; } = KnnVoting.DistanceWeighted;

    /// <summary>
    /// Open-set recognition: neighbours less similar than this do not vote, and a query with no voter is
    /// answered <see cref="KnnVoter.Unknown"/> (−1). Default: none.
    /// </summary>
    public float? SimilarityThreshold { get; set; }
}

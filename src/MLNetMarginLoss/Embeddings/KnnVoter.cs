namespace MLNetMarginLoss.Embeddings;

/// <summary>
/// Turns k nearest neighbours (indices into a labelled reference set and their cosine similarities)
/// into a class prediction by voting.
/// <para>Rules: neighbours whose similarity is below <see cref="SimilarityThreshold"/> (or NaN, or index −1)
/// do not vote; if none votes, the answer is <see cref="Unknown"/> (open-set rejection). Votes are summed per
/// class with the <see cref="Voting"/> weights; a tie between classes goes to the tied class whose best
/// neighbour ranks first (i.e. is the most similar).</para>
/// </summary>
internal sealed class KnnVoter
{
    /// <summary>The label returned when no neighbour is similar enough.</summary>
    public const int Unknown = -1;

    private const double DistanceEpsilon = 1e-6;
    private readonly int[] _referenceLabels;
    private readonly double[] _votes;
    private readonly int[] _firstRank;

    /// <summary>Creates a voter over the labels of the reference set.</summary>
    /// <param name="referenceLabels">Label of every reference row, in [0, <paramref name="classCount"/>).</param>
    /// <param name="classCount">Number of classes.</param>
    /// <param name="voting">Vote weighting.</param>
    /// <param name="similarityThreshold">Minimum similarity for a neighbour to vote; null for none.</param>
    public KnnVoter(ReadOnlySpan<int> referenceLabels, int classCount, KnnVoting voting = KnnVoting.DistanceWeighted, float? similarityThreshold = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);
        if (!Enum.IsDefined(voting)) throw new ArgumentOutOfRangeException(nameof(voting), voting, "Unknown voting rule.");
        if (similarityThreshold is { } t && float.IsNaN(t)) throw new ArgumentException("The similarity threshold must not be NaN.", nameof(similarityThreshold));
        for (int i = 0; i < referenceLabels.Length; i++)
            if ((uint)referenceLabels[i] >= (uint)classCount)
                throw new ArgumentException($"Reference label {referenceLabels[i]} at row {i} is outside [0, {classCount}).", nameof(referenceLabels));
        _referenceLabels = referenceLabels.ToArray();
        ClassCount = classCount;
        Voting = voting;
        SimilarityThreshold = similarityThreshold;
        _votes = new double[classCount];
        _firstRank = new int[classCount];
    }

    /// <summary>Number of classes.</summary>
    public int ClassCount { get; }

    /// <summary>The vote weighting.</summary>
    public KnnVoting Voting { get; }

    /// <summary>Minimum similarity for a neighbour to vote, or null.</summary>
    public float? SimilarityThreshold { get; }

    /// <summary>
    /// Votes over one query's neighbours (best first, as <see cref="CosineSearch"/> returns them).
    /// Not thread-safe (reuses one vote buffer); use one voter per thread.
    /// </summary>
    /// <param name="neighbors">Reference indices.</param>
    /// <param name="similarities">Cosine similarities, same length.</param>
    /// <param name="confidence">The winner's share of the total vote weight (0 when unknown).</param>
    /// <returns>The predicted class, or <see cref="Unknown"/>.</returns>
    public int Vote(ReadOnlySpan<int> neighbors, ReadOnlySpan<float> similarities, out float confidence)
    {
        if (neighbors.Length != similarities.Length)
            throw new ArgumentException($"Got {neighbors.Length} neighbour indices but {similarities.Length} similarities.", nameof(similarities));
        Array.Clear(_votes);
        Array.Fill(_firstRank, int.MaxValue);
        float threshold = SimilarityThreshold ?? float.NegativeInfinity;
        double total = 0;
        bool any = false;
        for (int r = 0; r < neighbors.Length; r++)
        {
            int index = neighbors[r];
            float s = similarities[r];
            if (index < 0 || float.IsNaN(s) || s < threshold) continue;
            if (index >= _referenceLabels.Length)
                throw new ArgumentOutOfRangeException(nameof(neighbors), index, $"Neighbour index is outside the reference set of {_referenceLabels.Length} rows.");
            int label = _referenceLabels[index];
            double w = Voting switch
            {
                KnnVoting.Majority => 1.0,
                KnnVoting.SimilarityWeighted => Math.Max(0.0, s),
                _ => 1.0 / (Math.Max(0.0, 1.0 - s) + DistanceEpsilon),
            };
            _votes[label] += w;
            total += w;
            if (r < _firstRank[label]) _firstRank[label] = r;
            any = true;
        }
        if (!any) { confidence = 0; return Unknown; }
        int best = -1;
        for (int c = 0; c < ClassCount; c++)
        {
            if (_firstRank[c] == int.MaxValue) continue;
            if (best < 0 || _votes[c] > _votes[best] || (_votes[c] == _votes[best] && _firstRank[c] < _firstRank[best])) best = c;
        }
        confidence = total > 0 ? (float)(_votes[best] / total) : 0f;
        return best;
    }

    /// <summary>
    /// Votes over one query's neighbours and writes every class's share of the total vote weight into
    /// <paramref name="classShares"/> (all zero when the answer is <see cref="Unknown"/>).
    /// </summary>
    public int Vote(ReadOnlySpan<int> neighbors, ReadOnlySpan<float> similarities, Span<float> classShares)
    {
        if (classShares.Length != ClassCount)
            throw new ArgumentException($"Expected room for {ClassCount} class shares, got {classShares.Length}.", nameof(classShares));
        int winner = Vote(neighbors, similarities, out _);
        double total = 0;
        foreach (var v in _votes) total += v;
        for (int c = 0; c < ClassCount; c++) classShares[c] = winner == Unknown || total <= 0 ? 0f : (float)(_votes[c] / total);
        return winner;
    }

    /// <summary>Votes over one query's neighbours; see <see cref="Vote(ReadOnlySpan{int}, ReadOnlySpan{float}, out float)"/>.</summary>
    public int Vote(ReadOnlySpan<int> neighbors, ReadOnlySpan<float> similarities) => Vote(neighbors, similarities, out _);

    /// <summary>Predicts a class (or <see cref="Unknown"/>) for every query of a search result.</summary>
    public int[] VoteAll(NeighborList neighbors)
    {
        ArgumentNullException.ThrowIfNull(neighbors);
        var predictions = new int[neighbors.QueryCount];
        for (int q = 0; q < predictions.Length; q++)
            predictions[q] = Vote(neighbors.IndicesOf(q), neighbors.SimilaritiesOf(q));
        return predictions;
    }
}

namespace MLNetMarginLoss;

/// <summary>
/// The result of a k-nearest-neighbour search: for each query, <see cref="K"/> reference indices and their
/// cosine similarities, best first (ties broken by the lower reference index). Where fewer than k
/// references had a comparable (non-NaN) score, the remaining slots hold index −1 and similarity NaN.
/// </summary>
public sealed class NeighborList
{
    /// <summary>Creates a list over existing buffers of <paramref name="queryCount"/>·<paramref name="k"/> entries.</summary>
    public NeighborList(int queryCount, int k, int[] indices, float[] similarities)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(queryCount);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(similarities);
        long needed = (long)queryCount * k;
        if (indices.Length < needed || similarities.Length < needed)
            throw new ArgumentException($"A neighbour list of {queryCount} queries × {k} needs {needed} entries; got {indices.Length} indices and {similarities.Length} similarities.");
        QueryCount = queryCount;
        K = k;
        Indices = indices;
        Similarities = similarities;
    }

    /// <summary>Number of queries.</summary>
    public int QueryCount { get; }

    /// <summary>Neighbours per query.</summary>
    public int K { get; }

    /// <summary>Reference indices, row-major [query, rank].</summary>
    public int[] Indices { get; }

    /// <summary>Cosine similarities, row-major [query, rank], non-increasing along each row.</summary>
    public float[] Similarities { get; }

    /// <summary>The neighbour indices of query <paramref name="query"/>, best first.</summary>
    public ReadOnlySpan<int> IndicesOf(int query) => Indices.AsSpan(CheckQuery(query) * K, K);

    /// <summary>The similarities of query <paramref name="query"/>'s neighbours, best first.</summary>
    public ReadOnlySpan<float> SimilaritiesOf(int query) => Similarities.AsSpan(CheckQuery(query) * K, K);

    private int CheckQuery(int query)
    {
        if ((uint)query >= (uint)QueryCount)
            throw new ArgumentOutOfRangeException(nameof(query), query, $"Query index must be in [0, {QueryCount}).");
        return query;
    }
}

namespace MLNetMarginLoss.Embeddings;

/// <summary>
/// A fitted nearest-neighbour model over a labelled gallery of embeddings: classification by k-NN voting
/// (<see cref="Transform"/>), retrieval (<see cref="Search"/>) and verification (<see cref="Verify"/>).
/// Search is exact cosine similarity computed as a blocked GEMM with a streaming top-k.
/// </summary>
public sealed class KnnModel
{
    private readonly CosineSearch _search;
    private readonly EmbeddingSet _references;
    private readonly KnnClassifierOptions _options;

    internal KnnModel(EmbeddingSet references, int classCount, KnnClassifierOptions options)
    {
        _references = references;
        _options = options;
        ClassCount = classCount;
        _search = new CosineSearch(references.Vectors, references.Dimension);
    }

    /// <summary>Number of classes the gallery's labels range over.</summary>
    public int ClassCount { get; }

    /// <summary>Number of reference embeddings.</summary>
    public int ReferenceCount => _search.ReferenceCount;

    /// <summary>Embedding dimension.</summary>
    public int Dimension => _search.Dimension;

    /// <summary>Class names of the gallery.</summary>
    public IReadOnlyList<string> ClassNames => _references.ClassNames;

    /// <summary>Classifies every query embedding (labels of the queries, if any, are ignored).</summary>
    public KnnPredictionSet Transform(EmbeddingSet queries)
    {
        ArgumentNullException.ThrowIfNull(queries);
        CheckDimension(queries.Dimension);
        int k = Math.Min(_options.K, ReferenceCount);
        var neighbors = _search.Search(queries.Vectors, k);
        var voter = new KnnVoter(_references.Labels, ClassCount, _options.Voting, _options.SimilarityThreshold);
        var score = new float[queries.Count * ClassCount];
        var predicted = new int[queries.Count];
        var similarity = new float[queries.Count];
        for (int q = 0; q < queries.Count; q++)
        {
            predicted[q] = voter.Vote(neighbors.IndicesOf(q), neighbors.SimilaritiesOf(q), score.AsSpan(q * ClassCount, ClassCount));
            similarity[q] = neighbors.SimilaritiesOf(q)[0];
        }
        return new KnnPredictionSet(score, ClassCount, predicted, similarity, neighbors);
    }

    /// <summary>The <paramref name="k"/> most similar references of each query (row-major queries), best first.</summary>
    public NeighborList Search(ReadOnlySpan<float> queries, int k)
    {
        if (queries.Length % Dimension != 0) throw new ArgumentException($"{queries.Length} values are not whole {Dimension}-dimensional queries.");
        CheckDimension(Dimension);
        return _search.Search(queries, Math.Min(k, ReferenceCount));
    }

    /// <summary>
    /// Verification: the cosine similarity of two embeddings and whether it reaches <paramref name="threshold"/>
    /// (same identity / class) — e.g. a threshold chosen by the 10-fold protocol of the evaluation.
    /// </summary>
    public static (float Similarity, bool Same) Verify(ReadOnlySpan<float> a, ReadOnlySpan<float> b, float threshold)
    {
        if (a.Length != b.Length || a.Length == 0) throw new ArgumentException($"Embeddings of different sizes ({a.Length} and {b.Length}) cannot be compared.");
        float na = System.Numerics.Tensors.TensorPrimitives.Norm(a), nb = System.Numerics.Tensors.TensorPrimitives.Norm(b);
        float s = System.Numerics.Tensors.TensorPrimitives.Dot(a, b) / MathF.Max(na * nb, 1e-12f);
        return (s, s >= threshold);
    }

    private void CheckDimension(int d)
    {
        if (d != Dimension) throw new ArgumentException($"Query embeddings have {d} dimensions, the gallery {Dimension}.");
    }
}

using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Embeddings;

/// <summary>
/// The k-NN classifier's engine: a labelled gallery searched by exact cosine similarity (<see cref="CosineSearch"/>:
/// blocked GEMM and streaming top-k over the whole batch of queries) and a vote over each query's k nearest
/// (<see cref="KnnVoter"/>). The in-library batched path behind <see cref="KnnTransformer.Classify(Microsoft.ML.IDataView)"/>,
/// <see cref="KnnTransformer.Search(ReadOnlySpan{float}, int)"/> and the evaluators; the saved model's ONNX graph
/// (<see cref="KnnGraph"/>) computes the same rule one row at a time. Calls are serialised (the search owns scratch buffers).
/// </summary>
internal sealed class KnnIndex
{
    private readonly CosineSearch _search;
    private readonly int[] _labels;
    private readonly object _gate = new();

    /// <summary>Creates an index over <paramref name="gallery"/> (row-major, copied and L2-normalised) with class indices <paramref name="labels"/>.</summary>
    public KnnIndex(ReadOnlySpan<float> gallery, int dimension, int[] labels, int classCount, int k, KnnVoting voting, float? similarityThreshold, ComputeContext? context = null)
    {
        _search = new CosineSearch(gallery, dimension, context);
        if (labels.Length != _search.ReferenceCount)
            throw new ArgumentException($"{labels.Length} labels for a gallery of {_search.ReferenceCount} rows.", nameof(labels));
        if (_search.ReferenceCount == 0) throw new ArgumentException("The gallery is empty; k-NN needs at least one labelled row.", nameof(gallery));
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "K must be at least 1.");
        // Checks the labels, the voting rule and the threshold once.
        _ = new KnnVoter(labels, classCount, voting, similarityThreshold);
        _labels = labels;
        ClassCount = classCount;
        K = Math.Min(k, _search.ReferenceCount);
        Voting = voting;
        SimilarityThreshold = similarityThreshold;
    }

    /// <summary>Gallery rows.</summary>
    public int Count => _search.ReferenceCount;

    /// <summary>Embedding dimension.</summary>
    public int Dimension => _search.Dimension;

    /// <summary>Number of classes the votes range over.</summary>
    public int ClassCount { get; }

    /// <summary>Neighbours that vote: the requested k, at most the gallery size.</summary>
    public int K { get; }

    /// <summary>The vote weighting.</summary>
    public KnnVoting Voting { get; }

    /// <summary>Neighbours below this cosine do not vote; a query with no voter is unknown. Null for none.</summary>
    public float? SimilarityThreshold { get; }

    /// <summary>The L2-normalised gallery, row-major.</summary>
    public ReadOnlySpan<float> Gallery => _search.References;

    /// <summary>Class index of every gallery row.</summary>
    public ReadOnlySpan<int> Labels => _labels;

    /// <summary>The <paramref name="k"/> most similar gallery rows of every query (k is capped at the gallery size).</summary>
    public NeighborList Search(ReadOnlySpan<float> queries, int k)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be at least 1.");
        RowNormalization.CheckShape(queries.Length, Dimension, nameof(queries));
        lock (_gate) return _search.Search(queries, Math.Min(k, Count));
    }

    /// <summary>Classifies every query: vote shares, class index (<see cref="KnnVoter.Unknown"/> when none votes) and best similarity.</summary>
    public (float[] Score, int[] Predicted, float[] Similarity, NeighborList Neighbors) Classify(ReadOnlySpan<float> queries)
    {
        var neighbors = Search(queries, K);
        int n = neighbors.QueryCount, c = ClassCount;
        var voter = new KnnVoter(_labels, c, Voting, SimilarityThreshold);
        var score = new float[n * c];
        var predicted = new int[n];
        var similarity = new float[n];
        for (int q = 0; q < n; q++)
        {
            predicted[q] = voter.Vote(neighbors.IndicesOf(q), neighbors.SimilaritiesOf(q), score.AsSpan(q * c, c));
            similarity[q] = neighbors.SimilaritiesOf(q)[0];
        }
        return (score, predicted, similarity, neighbors);
    }
}

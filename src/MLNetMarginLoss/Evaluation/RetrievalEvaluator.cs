using MLNetMarginLoss.Embeddings;
using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Evaluation;

/// <summary>
/// Computes <see cref="RetrievalMetrics"/> with an exact blocked-GEMM cosine search
/// (<see cref="CosineSearch.SearchReferences(int, int, int)"/>), k = the largest R of any query.
/// Neighbours of equal similarity are ordered by row index.
/// </summary>
internal static class RetrievalEvaluator
{
    /// <summary>Evaluates row-major <paramref name="embeddings"/> (N × <paramref name="dimension"/>) with their <paramref name="labels"/>.</summary>
    /// <param name="embeddings">Embeddings; normalised internally.</param>
    /// <param name="dimension">Floats per embedding.</param>
    /// <param name="labels">Class of every row (any non-negative integers).</param>
    /// <param name="context">Compute context for the search; the default when null.</param>
    public static RetrievalMetrics Evaluate(ReadOnlySpan<float> embeddings, int dimension, ReadOnlySpan<int> labels, ComputeContext? context = null)
    {
        int n = RowNormalization.CheckShape(embeddings.Length, dimension, nameof(embeddings));
        if (labels.Length != n) throw new ArgumentException($"Got {labels.Length} labels for {n} embeddings.", nameof(labels));
        if (n < 2) throw new ArgumentException($"Retrieval needs at least 2 rows; got {n}.", nameof(embeddings));
        var classSize = new Dictionary<int, int>();
        for (int i = 0; i < n; i++)
        {
            if (labels[i] < 0) throw new ArgumentException($"Label {labels[i]} at row {i} is negative.", nameof(labels));
            classSize[labels[i]] = classSize.GetValueOrDefault(labels[i]) + 1;
        }
        int maxR = classSize.Values.Max() - 1;
        if (maxR < 1) throw new ArgumentException("Every class has a single row, so no query has a relevant neighbour.", nameof(labels));

        var search = new CosineSearch(embeddings, dimension, context);
        // Queries go in groups so that the neighbour lists stay within about 64 MB whatever maxR is.
        int group = (int)Math.Clamp(8_000_000L / maxR, 1, n);
        double p1 = 0, rp = 0, map = 0;
        int evaluated = 0, first = 0;
        NeighborList? neighbors = null;
        for (int q = 0; q < n; q++)
        {
            int label = labels[q];
            int r = classSize[label] - 1;
            if (r == 0) continue;
            evaluated++;
            if (neighbors is null || q >= first + neighbors.QueryCount)
            {
                first = q;
                neighbors = search.SearchReferences(maxR, first, Math.Min(group, n - first));
            }
            var idx = neighbors.IndicesOf(q - first);
            if (labels[idx[0]] == label) p1++;
            int hits = 0; double ap = 0;
            for (int i = 0; i < r; i++)
            {
                if (labels[idx[i]] != label) continue;
                hits++;
                ap += (double)hits / (i + 1);
            }
            rp += (double)hits / r;
            map += ap / r;
        }
        return new RetrievalMetrics(p1 / evaluated, rp / evaluated, map / evaluated, evaluated, n - evaluated);
    }
}

using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Kernels;

namespace MLNetMarginLoss.Embeddings;

/// <summary>
/// Exact cosine k-nearest-neighbour search against a fixed reference set. The references are stored
/// L2-normalised; each block of queries is normalised, multiplied with blocks of references by one GEMM
/// (<see cref="ComputeContext.Gemm"/>), and each query keeps a streaming top-k over the block's scores.
/// Memory is bounded by the block sizes, whatever the number of references.
/// An instance owns scratch buffers and is not safe for concurrent searches.
/// </summary>
internal sealed class CosineSearch
{
    private readonly float[] _references;
    private readonly ComputeContext _context;
    private readonly TopKWork _work = new();
    private float[] _queryBlock = [];
    private float[] _scoreBlock = [];
    private int[] _counts = [];

    /// <summary>
    /// Creates a search over <paramref name="references"/> (row-major, <paramref name="dimension"/> floats per row).
    /// The rows are copied and L2-normalised (zero rows stay zero).
    /// </summary>
    /// <param name="references">Reference embeddings.</param>
    /// <param name="dimension">Floats per embedding.</param>
    /// <param name="context">Where the GEMM and the top-k threads run; <see cref="ComputeContext.Default"/> when null.</param>
    public CosineSearch(ReadOnlySpan<float> references, int dimension, ComputeContext? context = null)
    {
        ReferenceCount = RowNormalization.CheckShape(references.Length, dimension, nameof(references));
        Dimension = dimension;
        _references = RowNormalization.Normalize(references, dimension);
        _context = context ?? ComputeContext.Default;
    }

    /// <summary>Number of reference rows.</summary>
    public int ReferenceCount { get; }

    /// <summary>Floats per embedding.</summary>
    public int Dimension { get; }

    /// <summary>The normalised reference rows (row-major); do not modify.</summary>
    public ReadOnlySpan<float> References => _references;

    /// <summary>Queries per GEMM block (default 1024).</summary>
    public int QueryBlockSize { get; init; } = 1024;

    /// <summary>References per GEMM block (default 4096).</summary>
    public int ReferenceBlockSize { get; init; } = 4096;

    /// <summary>Finds the <paramref name="k"/> most similar references of every query row.</summary>
    /// <param name="queries">Query embeddings, row-major; need not be normalised.</param>
    /// <param name="k">Neighbours per query, 1 ≤ k ≤ <see cref="ReferenceCount"/>.</param>
    public NeighborList Search(ReadOnlySpan<float> queries, int k)
    {
        int n = RowNormalization.CheckShape(queries.Length, Dimension, nameof(queries));
        CheckK(k, ReferenceCount, "references");
        var result = new NeighborList(n, k, new int[n * k], new float[n * k]);
        Run(queries, n, k, -1, result);
        return result;
    }

    /// <summary>
    /// Searches the reference set against itself, leaving each row out of its own neighbours
    /// (leave-one-out), as retrieval metrics need.
    /// </summary>
    /// <param name="k">Neighbours per row, 1 ≤ k ≤ <see cref="ReferenceCount"/> − 1.</param>
    public NeighborList SearchReferences(int k) => SearchReferences(k, 0, ReferenceCount);

    /// <summary>
    /// Leave-one-out search for the reference rows [<paramref name="firstRow"/>, <paramref name="firstRow"/> + <paramref name="rowCount"/>):
    /// query i of the result is reference row firstRow + i, searched against all other references.
    /// Lets callers bound memory when k is large.
    /// </summary>
    public NeighborList SearchReferences(int k, int firstRow, int rowCount)
    {
        CheckK(k, ReferenceCount - 1, "other references");
        if (firstRow < 0 || rowCount < 0 || firstRow > ReferenceCount - rowCount)
            throw new ArgumentOutOfRangeException(nameof(rowCount), $"Rows [{firstRow}, {firstRow}+{rowCount}) are not inside the {ReferenceCount} references.");
        var result = new NeighborList(rowCount, k, new int[rowCount * k], new float[rowCount * k]);
        Run(_references.AsSpan(firstRow * Dimension, rowCount * Dimension), rowCount, k, firstRow, result);
        return result;
    }

    private static void CheckK(int k, int available, string what)
    {
        if (k < 1 || k > available)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be between 1 and the number of {what} ({available}).");
    }

    private void Run(ReadOnlySpan<float> queries, int n, int k, int selfOffset, NeighborList result)
    {
        if (QueryBlockSize < 1 || ReferenceBlockSize < 1)
            throw new InvalidOperationException($"Block sizes must be positive (queries {QueryBlockSize}, references {ReferenceBlockSize}).");
        int d = Dimension;
        int qb = Math.Min(QueryBlockSize, n);
        int rb = Math.Min(ReferenceBlockSize, ReferenceCount);
        if (_queryBlock.Length < qb * d) _queryBlock = new float[qb * d];
        if (_scoreBlock.Length < qb * rb) _scoreBlock = new float[qb * rb];
        if (_counts.Length < qb) _counts = new int[qb];
        var counts = _counts;
        var work = _work;
        work.Result = result;
        work.Scores = _scoreBlock;
        work.Counts = counts;
        int chunks = Math.Max(1, _context.DegreeOfParallelism * 4);

        for (int q0 = 0; q0 < n; q0 += qb)
        {
            int qn = Math.Min(qb, n - q0);
            var qBlock = _queryBlock.AsSpan(0, qn * d);
            queries.Slice(q0 * d, qn * d).CopyTo(qBlock);
            if (selfOffset < 0) RowNormalization.NormalizeInPlace(qBlock, d);
            Array.Clear(counts, 0, qn);
            for (int r0 = 0; r0 < ReferenceCount; r0 += rb)
            {
                int rn = Math.Min(rb, ReferenceCount - r0);
                // scores[qn × rn] = Q · Rᵀ
                _context.Gemm.Sgemm(false, true, qn, rn, d, 1f, qBlock, d,
                    _references.AsSpan(r0 * d, rn * d), d, 0f, _scoreBlock.AsSpan(0, qn * rn), rn);
                if (selfOffset >= 0)
                {
                    // Query q0+i is reference selfOffset+q0+i: hide it from its own search (NaN is never kept).
                    for (int i = 0; i < qn; i++)
                    {
                        int self = selfOffset + q0 + i - r0;
                        if ((uint)self < (uint)rn) _scoreBlock[i * rn + self] = float.NaN;
                    }
                }
                work.QueryStart = q0; work.QueryCount = qn; work.ReferenceStart = r0; work.ReferenceCountInBlock = rn; work.Finish = false;
                _context.Pool.Run(work, Math.Min(chunks, qn));
            }
            work.Finish = true;
            _context.Pool.Run(work, Math.Min(chunks, qn));
        }
        work.Result = null;
    }

    /// <summary>Top-k update of a block of queries, split over worker threads by query.</summary>
    private sealed class TopKWork : IParallelWork
    {
        public NeighborList? Result;
        public float[] Scores = [];
        public int[] Counts = [];
        public int QueryStart, QueryCount, ReferenceStart, ReferenceCountInBlock;
        public bool Finish;

        public void Execute(int chunk, int chunkCount)
        {
            var result = Result!;
            int k = result.K;
            int from = (int)((long)QueryCount * chunk / chunkCount);
            int to = (int)((long)QueryCount * (chunk + 1) / chunkCount);
            for (int i = from; i < to; i++)
            {
                int q = QueryStart + i;
                var hs = result.Similarities.AsSpan(q * k, k);
                var hi = result.Indices.AsSpan(q * k, k);
                if (Finish)
                {
                    int count = Counts[i];
                    StreamingTopK.Finish(hs, hi, count);
                    hs[count..].Fill(float.NaN);
                    hi[count..].Fill(-1);
                    continue;
                }
                int rn = ReferenceCountInBlock;
                StreamingTopK.Offer(Scores.AsSpan(i * rn, rn), ReferenceStart, hs, hi, ref Counts[i]);
            }
        }
    }
}

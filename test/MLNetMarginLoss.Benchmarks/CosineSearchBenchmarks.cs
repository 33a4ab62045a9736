using BenchmarkDotNet.Attributes;
using MLNetMarginLoss.Embeddings;
using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Benchmarks;

/// <summary>
/// Exact cosine top-k search of 1024 queries against 100k × 128 references, against the same blocked GEMM
/// without the top-k (the ceiling the search can reach). Both do 2·Q·N·D = 26.2 GFLOP per operation, so
/// the throughput ratio is the inverse ratio of the mean times.
/// <c>dotnet run -c Release --project test/MLNetMarginLoss.Benchmarks -- --filter '*CosineSearch*'</c>
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 6)]
[MemoryDiagnoser]
public class CosineSearchBenchmarks
{
    private const int Dimension = 128, References = 100_000, Queries = 1024;
    private ComputeContext _context = null!;
    private CosineSearch _search = null!;
    private float[] _queries = null!;
    private float[] _normalizedReferences = null!;
    private float[] _scores = null!;

    /// <summary>Neighbours per query.</summary>
    [Params(10, 100)]
    public int K { get; set; }

    /// <summary>Builds random data and the search.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var rng = new SeededRandom(42);
        var refs = new float[References * Dimension];
        for (int i = 0; i < refs.Length; i++) refs[i] = (float)rng.NextGaussian();
        _queries = new float[Queries * Dimension];
        for (int i = 0; i < _queries.Length; i++) _queries[i] = (float)rng.NextGaussian();
        _context = ComputeContext.Create();
        _search = new CosineSearch(refs, Dimension, _context);
        _normalizedReferences = _search.References.ToArray();
        _scores = new float[_search.QueryBlockSize * _search.ReferenceBlockSize];
        _search.Search(_queries, K);   // allocate the scratch buffers before measuring
    }

    /// <summary>Stops the context's worker threads.</summary>
    [GlobalCleanup]
    public void Cleanup() => _context.Dispose();

    /// <summary>The same block sweep with GEMM only: the rate the search is measured against.</summary>
    [Benchmark(Baseline = true)]
    public float BlockedGemmOnly()
    {
        int qb = _search.QueryBlockSize, rb = _search.ReferenceBlockSize;
        float sink = 0;
        for (int q0 = 0; q0 < Queries; q0 += qb)
        {
            int qn = Math.Min(qb, Queries - q0);
            for (int r0 = 0; r0 < References; r0 += rb)
            {
                int rn = Math.Min(rb, References - r0);
                _context.Gemm.Sgemm(false, true, qn, rn, Dimension, 1f, _queries.AsSpan(q0 * Dimension, qn * Dimension), Dimension,
                    _normalizedReferences.AsSpan(r0 * Dimension, rn * Dimension), Dimension, 0f, _scores.AsSpan(0, qn * rn), rn);
                sink += _scores[0];
            }
        }
        return sink;
    }

    /// <summary>Normalise, GEMM and streaming top-k.</summary>
    [Benchmark]
    public NeighborList Search() => _search.Search(_queries, K);
}

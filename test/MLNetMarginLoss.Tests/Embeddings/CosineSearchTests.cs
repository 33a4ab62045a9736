using MLNetMarginLoss.Embeddings;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Kernels;

namespace MLNetMarginLoss.Tests.Embeddings;

[TestClass]
public sealed class CosineSearchTests
{
    private static float[] Random(int rows, int dim, long seed)
    {
        var rng = new SeededRandom(seed);
        var x = new float[rows * dim];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextGaussian();
        return x;
    }

    /// <summary>Brute force in double: all similarities sorted descending, ties by index.</summary>
    private static (int Index, double Similarity)[] BruteForce(float[] refs, float[] query, int dim, int k, int exclude = -1)
    {
        double qn = Math.Sqrt(query.Sum(v => (double)v * v));
        var all = new List<(int, double)>();
        for (int r = 0; r < refs.Length / dim; r++)
        {
            if (r == exclude) continue;
            double dot = 0, rn = 0;
            for (int j = 0; j < dim; j++) { dot += refs[r * dim + j] * (double)query[j]; rn += refs[r * dim + j] * (double)refs[r * dim + j]; }
            all.Add((r, dot / (qn * Math.Sqrt(rn))));
        }
        return all.OrderByDescending(t => t.Item2).ThenBy(t => t.Item1).Take(k).ToArray();
    }

    [TestMethod]
    [DataRow(GemmProvider.OpenBlas)]
    [DataRow(GemmProvider.Managed)]
    public void SearchEqualsBruteForceAcrossBlocks(GemmProvider provider)
    {
        int dim = 16, nRef = 300, nQuery = 50, k = 7;
        var refs = Random(nRef, dim, 1);
        var queries = Random(nQuery, dim, 2);
        using var ctx = ComputeContext.Create(provider, 2);
        // Small blocks so that queries and references both span several blocks (last ones partial).
        var search = new CosineSearch(refs, dim, ctx) { QueryBlockSize = 16, ReferenceBlockSize = 64 };
        var result = search.Search(queries, k);
        Assert.AreEqual(nQuery, result.QueryCount);
        for (int q = 0; q < nQuery; q++)
        {
            var expected = BruteForce(refs, queries.AsSpan(q * dim, dim).ToArray(), dim, k);
            CollectionAssert.AreEqual(expected.Select(e => e.Index).ToArray(), result.IndicesOf(q).ToArray(), $"query {q}");
            for (int r = 0; r < k; r++) Assert.AreEqual(expected[r].Similarity, result.SimilaritiesOf(q)[r], 1e-5);
        }
    }

    [TestMethod]
    public void LeaveOneOutSearchNeverReturnsTheQueryItself()
    {
        int dim = 8, n = 120, k = 5;
        var refs = Random(n, dim, 3);
        var search = new CosineSearch(refs, dim) { QueryBlockSize = 32, ReferenceBlockSize = 50 };
        var all = search.SearchReferences(k);
        var part = search.SearchReferences(k, 40, 30);
        for (int q = 0; q < n; q++)
        {
            var expected = BruteForce(refs, refs.AsSpan(q * dim, dim).ToArray(), dim, k, exclude: q);
            CollectionAssert.AreEqual(expected.Select(e => e.Index).ToArray(), all.IndicesOf(q).ToArray(), $"row {q}");
            if (q >= 40 && q < 70) CollectionAssert.AreEqual(all.IndicesOf(q).ToArray(), part.IndicesOf(q - 40).ToArray());
        }
    }

    [TestMethod]
    public void EqualSimilaritiesAreOrderedByIndex()
    {
        // References 1, 3 and 4 are the same direction as the query; 0 and 2 are orthogonal.
        float[] refs = [0, 1, 2, 0, 0, 5, 1, 0, 3, 0];
        var search = new CosineSearch(refs, 2) { ReferenceBlockSize = 2 };
        var result = search.Search([4f, 0f], 4);
        CollectionAssert.AreEqual(new[] { 1, 3, 4, 0 }, result.IndicesOf(0).ToArray());
        CollectionAssert.AreEqual(new[] { 1f, 1f, 1f, 0f }, result.SimilaritiesOf(0).ToArray());
    }

    [TestMethod]
    public void BadArgumentsAreRejectedClearly()
    {
        var search = new CosineSearch(new float[12], 3);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => search.Search(new float[3], 5));
        StringAssert.Contains(ex.Message, "between 1 and the number of references (4)");
        var shape = Assert.ThrowsExactly<ArgumentException>(() => search.Search(new float[4], 1));
        StringAssert.Contains(shape.Message, "not a whole number of rows of dimension 3");
    }
}

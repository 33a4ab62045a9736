using MLNetMarginLoss.Engine.Kernels;

namespace MLNetMarginLoss.Tests.Engine;

[TestClass]
public sealed class GemmTests
{
    private static WorkerPool s_pool1 = null!, s_pool2 = null!;

    [ClassInitialize]
    public static void Init(TestContext _)
    {
        s_pool1 = new WorkerPool(1);
        s_pool2 = new WorkerPool(2);
    }

    [ClassCleanup]
    public static void Cleanup()
    {
        s_pool1.Dispose();
        s_pool2.Dispose();
    }

    private static IGemm OpenBlas()
    {
        var blas = OpenBlasGemm.TryGet();
        Assert.IsNotNull(blas, "OpenBLAS did not load; run build/setup.sh.");
        blas.SetThreads(2);
        return blas;
    }

    private static IEnumerable<IGemm> Providers()
    {
        yield return OpenBlas();
        yield return new ManagedGemm(s_pool2);
    }

    /// <summary>Every managed micro-kernel this CPU can run (AVX-512, AVX2, portable).</summary>
    private static IEnumerable<IGemm> ManagedKernels()
    {
        foreach (var cfg in new[] { GemmKernelConfig.Avx512Tile14x32, GemmKernelConfig.Avx2Tile6x16, GemmKernelConfig.PortableTile4x8 })
            if (cfg.IsSupported) yield return new ManagedGemm(s_pool2, cfg);
    }

    private static readonly (bool TransA, bool TransB)[] AllTransposes = [(false, false), (false, true), (true, false), (true, true)];

    [TestMethod]
    [DataRow(1, 1, 1)]
    [DataRow(3, 17, 33)]
    [DataRow(17, 3, 65)]
    [DataRow(33, 65, 17)]
    [DataRow(65, 130, 257)]
    [DataRow(130, 257, 65)]
    [DataRow(257, 33, 130)]
    [DataRow(1, 257, 130)]
    [DataRow(257, 1, 130)]
    [DataRow(130, 130, 1)]
    public void ProvidersAgreeWithReferenceOnOddShapesAndAllTransposes(int m, int n, int k)
    {
        foreach (var gemm in Providers())
        foreach (var (ta, tb) in AllTransposes)
            AssertMatchesReference(gemm, ta, tb, m, n, k, 1f, 0f, pad: 0, seed: m * 31 + n * 7 + k);
    }

    [TestMethod]
    [DataRow(33, 65, 17)]
    [DataRow(130, 257, 65)]
    [DataRow(257, 130, 300)]
    public void EveryManagedKernelAgreesWithReference(int m, int n, int k)
    {
        foreach (var gemm in ManagedKernels())
        foreach (var (ta, tb) in AllTransposes)
            AssertMatchesReference(gemm, ta, tb, m, n, k, 0.75f, -0.5f, pad: 3, seed: m + n + k);
    }

    [TestMethod]
    [DataRow(1f, 1f)]
    [DataRow(-0.5f, 2f)]
    [DataRow(2.5f, -1f)]
    [DataRow(0f, 0.5f)]
    [DataRow(1.5f, 0f)]
    public void AlphaBetaAndPaddedLeadingDimensionsMatchReference(float alpha, float beta)
    {
        foreach (var gemm in Providers())
        foreach (var (ta, tb) in AllTransposes)
        {
            AssertMatchesReference(gemm, ta, tb, 17, 33, 5, alpha, beta, pad: 5, seed: 1);     // small path
            AssertMatchesReference(gemm, ta, tb, 65, 130, 129, alpha, beta, pad: 7, seed: 2);  // blocked path
        }
    }

    [TestMethod]
    [DataRow(5, 7, 3)]
    [DataRow(70, 90, 110)]
    public void BetaZeroOverwritesNaNInC(int m, int n, int k)
    {
        foreach (var gemm in Providers())
        foreach (var (ta, tb) in AllTransposes)
        {
            var (a, lda) = Random(ta ? k : m, ta ? m : k, 0, 11);
            var (b, ldb) = Random(tb ? n : k, tb ? k : n, 0, 12);
            var c = Enumerable.Repeat(float.NaN, m * n).ToArray();
            gemm.Sgemm(ta, tb, m, n, k, 1f, a, lda, b, ldb, 0f, c, n);
            Assert.IsFalse(c.Any(float.IsNaN), $"{gemm.Name} kept NaN from C with beta = 0 (transA={ta}, transB={tb}).");
        }
    }

    [TestMethod]
    public void ZeroSizesLeaveCUntouchedOrScaleIt()
    {
        foreach (var gemm in Providers())
        {
            var c = new[] { 1f, 2f, 3f, 4f };
            gemm.Sgemm(false, false, 0, 2, 3, 1f, [], 3, new float[6], 2, 0f, c, 2);
            gemm.Sgemm(false, false, 2, 0, 3, 1f, new float[6], 3, [], 1, 0f, c, 2);
            CollectionAssert.AreEqual(new[] { 1f, 2f, 3f, 4f }, c, $"{gemm.Name}: m or n = 0 must not write C.");

            gemm.Sgemm(false, false, 2, 2, 0, 1f, [], 1, [], 2, 0.5f, c, 2);
            CollectionAssert.AreEqual(new[] { 0.5f, 1f, 1.5f, 2f }, c, $"{gemm.Name}: k = 0 must give C = beta·C.");

            c[0] = float.NaN;
            gemm.Sgemm(true, true, 2, 2, 0, 1f, [], 2, [], 1, 0f, c, 2);
            CollectionAssert.AreEqual(new[] { 0f, 0f, 0f, 0f }, c, $"{gemm.Name}: k = 0 with beta = 0 must clear C.");
        }
    }

    [TestMethod]
    public void ManagedResultsAreBitIdenticalAcrossCallsAndThreadCounts()
    {
        const int m = 190, n = 270, k = 333; // large enough to be split over threads, with edge tiles
        foreach (var (ta, tb) in AllTransposes)
        {
            var (a, lda) = Random(ta ? k : m, ta ? m : k, 0, 21);
            var (b, ldb) = Random(tb ? n : k, tb ? k : n, 0, 22);
            float[] Run(WorkerPool pool)
            {
                var c = new float[m * n];
                new ManagedGemm(pool).Sgemm(ta, tb, m, n, k, 1.25f, a, lda, b, ldb, 0f, c, n);
                return c;
            }
            var gemm2 = new ManagedGemm(s_pool2);
            var first = Run(s_pool2);
            var again = new float[m * n];
            gemm2.Sgemm(ta, tb, m, n, k, 1.25f, a, lda, b, ldb, 0f, again, n);
            gemm2.Sgemm(ta, tb, m, n, k, 1.25f, a, lda, b, ldb, 0f, again, n);
            CollectionAssert.AreEqual(first, again, "Repeated 2-thread calls differ.");
            CollectionAssert.AreEqual(Run(s_pool1), Run(s_pool1), "Repeated 1-thread calls differ.");
            CollectionAssert.AreEqual(Run(s_pool1), first, "1-thread and 2-thread results differ.");
        }
    }

    [TestMethod]
    public void ConcurrentCallsOnOneManagedGemmAreCorrect()
    {
        var gemm = new ManagedGemm(s_pool2);
        const int m = 120, n = 150, k = 140;
        var (a, _) = Random(m, k, 0, 31);
        var (b, _) = Random(k, n, 0, 32);
        var expected = new float[m * n];
        gemm.Sgemm(false, false, m, n, k, 1f, a, k, b, n, 0f, expected, n);
        var results = new float[4][];
        Parallel.For(0, 4, t =>
        {
            var c = new float[m * n];
            for (int rep = 0; rep < 5; rep++) gemm.Sgemm(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n);
            results[t] = c;
        });
        foreach (var r in results) CollectionAssert.AreEqual(expected, r);
    }

    [TestMethod]
    [DataRow(8, 8, 8)]        // small path
    [DataRow(40, 50, 60)]     // blocked, calling thread only
    [DataRow(200, 300, 150)]  // blocked, split over the pool
    public void ManagedSteadyStateCallsDoNotAllocateOnTheCallingThread(int m, int n, int k)
    {
        var gemm = new ManagedGemm(s_pool2);
        foreach (var (ta, tb) in AllTransposes)
        {
            var a = new float[m * k];
            var b = new float[k * n];
            var c = new float[m * n];
            int lda = ta ? m : k, ldb = tb ? k : n;
            gemm.Sgemm(ta, tb, m, n, k, 1f, a, lda, b, ldb, 0f, c, n); // grows the scratch buffers once
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 5; i++) gemm.Sgemm(ta, tb, m, n, k, 1f, a, lda, b, ldb, 0.5f, c, n);
            Assert.AreEqual(0L, GC.GetAllocatedBytesForCurrentThread() - before, $"transA={ta}, transB={tb} allocated.");
        }
    }

    [TestMethod]
    public void ManagedRejectsTooSmallLeadingDimension()
    {
        var gemm = new ManagedGemm(s_pool2);
        var ex = Assert.ThrowsExactly<ArgumentException>(() =>
            gemm.Sgemm(false, true, 2, 3, 4, 1f, new float[8], 4, new float[12], 3, 0f, new float[6], 3));
        StringAssert.Contains(ex.Message, "leading dimension of B");
    }

    /// <summary>A rows×cols matrix with row stride cols+pad; padding holds NaN so reading it would poison the result.</summary>
    private static (float[] Data, int Ld) Random(int rows, int cols, int pad, int seed)
    {
        var rng = new Random(seed);
        int ld = Math.Max(1, cols + pad);
        var x = new float[Math.Max(0, (rows - 1) * ld + cols)];
        for (int i = 0; i < rows; i++)
        for (int j = 0; j < ld && i * ld + j < x.Length; j++)
            x[i * ld + j] = j < cols ? (float)(rng.NextDouble() * 2 - 1) : float.NaN;
        return (x, ld);
    }

    private static void AssertMatchesReference(IGemm gemm, bool ta, bool tb, int m, int n, int k,
        float alpha, float beta, int pad, int seed)
    {
        var (a, lda) = Random(ta ? k : m, ta ? m : k, pad, seed);
        var (b, ldb) = Random(tb ? n : k, tb ? k : n, pad, seed + 1);
        int ldc = n + pad;
        var c0 = new float[(m - 1) * ldc + n];
        var rng = new Random(seed + 2);
        for (int i = 0; i < c0.Length; i++) c0[i] = i % ldc < n ? (float)(rng.NextDouble() * 2 - 1) : 1234.5f;
        var expected = (float[])c0.Clone();
        var actual = (float[])c0.Clone();
        ReferenceGemm.Instance.Sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, expected, ldc);
        gemm.Sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, actual, ldc);
        // |op(A)·op(B)| ≤ k here; float accumulation error grows with k.
        float tolerance = 4e-7f * (k + 8) * Math.Max(1f, Math.Abs(alpha)) + 1e-6f * Math.Abs(beta);
        for (int i = 0; i < m; i++)
        for (int j = 0; j < ldc && i * ldc + j < c0.Length; j++)
        {
            int idx = i * ldc + j;
            if (j >= n)
            {
                Assert.AreEqual(1234.5f, actual[idx], $"{gemm.Name} wrote C's padding at ({i},{j}).");
                continue;
            }
            float diff = Math.Abs(actual[idx] - expected[idx]);
            if (!(diff <= tolerance))
                Assert.Fail($"{gemm.Name} m={m} n={n} k={k} transA={ta} transB={tb} alpha={alpha} beta={beta} pad={pad}: " +
                            $"C[{i},{j}] = {actual[idx]}, reference {expected[idx]} (|diff| {diff} > {tolerance}).");
        }
    }
}

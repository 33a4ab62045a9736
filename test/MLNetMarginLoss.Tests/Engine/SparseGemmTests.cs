using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Kernels;

namespace MLNetMarginLoss.Tests.Engine;

[TestClass]
public sealed class SparseGemmTests
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

    [TestMethod]
    public void HandCheckedForwardAndWeightGradient()
    {
        // X (2×4): row 0 has 2 at column 1 and −1 at column 3; row 1 has 0.5 at column 0.
        var x = new SparseBatch(4);
        x.AppendRow([1, 3], [2f, -1f]);
        x.AppendRow([0], [0.5f]);
        float[] w = [1, 2, 3, 4, 0, -1, 0, 1, 2, 0, 0, 0]; // W (3×4)
        var gemm = new SparseGemm();

        float[] y = [1, 1, 1, 1, 1, 1]; // a bias of 1 broadcast, β = 1
        gemm.MultiplyTransposed(s_pool1, x, w, 3, 1f, y);
        // y0 = (2·2 − 1·4, 2·(−1) − 1·1, 0) + 1; y1 = (0.5·1, 0, 0.5·2) + 1
        CollectionAssert.AreEqual(new float[] { 1, -2, 1, 1.5f, 1, 2 }, y);

        gemm.MultiplyTransposed(s_pool1, x, w, 3, 0f, y);
        CollectionAssert.AreEqual(new float[] { 0, -3, 0, 0.5f, 0, 1 }, y, "β = 0 ignores Y");

        float[] dy = [1, 2, 3, 4, 5, 6]; // dY (2×3)
        var dw = Enumerable.Repeat(float.NaN, 12).ToArray(); // every entry is overwritten
        gemm.TransposedTimes(s_pool1, dy, 3, x, dw);
        // dW[o, c] = Σ_i dY[i, o]·x[i, c]: column 0 from row 1 (0.5), column 1 and 3 from row 0 (2, −1), column 2 untouched.
        CollectionAssert.AreEqual(new float[] { 2, 2, 0, -1, 2.5f, 4, 0, -2, 3, 6, 0, -3 }, dw);
    }

    [TestMethod]
    [DataRow(1, 1, 1, 1.0)]
    [DataRow(7, 5, 50, 0.1)]
    [DataRow(33, 17, 1000, 0.01)]
    [DataRow(64, 64, 300, 0.3)]
    [DataRow(20, 3, 2000, 0.002)]
    public void EqualsTheReferenceGemmOnTheDensifiedRowsBitForBit(int n, int m, int k, double density)
    {
        var random = new Random(n * 1000 + m * 10 + k);
        var x = RandomRows(random, n, k, density);
        var dense = new float[n * k];
        x.Densify(dense);
        var w = RandomFloats(random, m * k);
        var bias = RandomFloats(random, m);
        var dy = RandomFloats(random, n * m);

        // Forward with a bias (β = 1) and without (β = 0), as Linear calls it.
        foreach (float beta in new[] { 1f, 0f })
        {
            var expected = new float[n * m];
            var actual = new float[n * m];
            for (int i = 0; i < n; i++) { bias.CopyTo(expected, i * m); bias.CopyTo(actual, i * m); }
            ReferenceGemm.Instance.Sgemm(false, true, n, m, k, 1f, dense, k, w, k, beta, expected, m);
            new SparseGemm().MultiplyTransposed(s_pool2, x, w, m, beta, actual);
            CollectionAssert.AreEqual(expected, actual, $"forward, β = {beta}");
        }

        var expectedGradient = new float[m * k];
        ReferenceGemm.Instance.Sgemm(true, false, m, k, n, 1f, dy, m, dense, k, 0f, expectedGradient, k);
        var gradient = RandomFloats(random, m * k); // stale values must not survive
        new SparseGemm().TransposedTimes(s_pool2, dy, m, x, gradient);
        CollectionAssert.AreEqual(expectedGradient, gradient, "weight gradient");
    }

    [TestMethod]
    public void AgreesWithTheManagedGemmAndDoesNotDependOnTheThreadCount()
    {
        var random = new Random(7);
        int n = 50, m = 37, k = 3000;
        var x = RandomRows(random, n, k, 0.02);
        var dense = new float[n * k];
        x.Densify(dense);
        var w = RandomFloats(random, m * k);
        var dy = RandomFloats(random, n * m);

        var managed = new float[n * m];
        new ManagedGemm(s_pool2).Sgemm(false, true, n, m, k, 1f, dense, k, w, k, 0f, managed, m);
        var one = new float[n * m];
        var two = new float[n * m];
        var gemm = new SparseGemm();
        gemm.MultiplyTransposed(s_pool1, x, w, m, 0f, one);
        gemm.MultiplyTransposed(s_pool2, x, w, m, 0f, two);
        CollectionAssert.AreEqual(one, two, "1 and 2 threads");
        // The managed kernel sums in float with FMA over blocks of k; the sparse one in double: a few ulps of the terms apart.
        for (int i = 0; i < managed.Length; i++) Assert.AreEqual(managed[i], one[i], 1e-5f, $"y[{i}]");

        var managedGradient = new float[m * k];
        new ManagedGemm(s_pool2).Sgemm(true, false, m, k, n, 1f, dy, m, dense, k, 0f, managedGradient, k);
        var gradientOne = new float[m * k];
        var gradientTwo = new float[m * k];
        gemm.TransposedTimes(s_pool1, dy, m, x, gradientOne);
        gemm.TransposedTimes(s_pool2, dy, m, x, gradientTwo);
        CollectionAssert.AreEqual(gradientOne, gradientTwo, "1 and 2 threads");
        for (int i = 0; i < managedGradient.Length; i++) Assert.AreEqual(managedGradient[i], gradientOne[i], 1e-5f, $"dW[{i}]");
    }

    [TestMethod]
    public void RefusesBuffersTooSmallForTheProduct()
    {
        var x = new SparseBatch(4);
        x.AppendRow([0], [1f]);
        var gemm = new SparseGemm();
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => gemm.MultiplyTransposed(s_pool1, x, new float[7], 2, 0f, new float[2])).Message, "needs 2×4");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => gemm.TransposedTimes(s_pool1, new float[1], 2, x, new float[8])).Message, "needs 1×2");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => gemm.MultiplyTransposed(s_pool1, x, new float[8], 2, 0.5f, new float[2]));
    }

    [TestMethod]
    public void BatchesGrowAndDensify()
    {
        var x = new SparseBatch(3);
        for (int i = 0; i < 100; i++) x.AppendRow(i % 3 == 0 ? [] : [i % 3], i % 3 == 0 ? [] : [i]);
        Assert.AreEqual(100, x.Rows);
        Assert.AreEqual(66, x.NonZeros);
        var dense = new float[300];
        x.Densify(dense);
        Assert.AreEqual(0f, dense[0]);
        Assert.AreEqual(1f, dense[1 * 3 + 1]);
        Assert.AreEqual(98f, dense[98 * 3 + 2]);
        x.Clear();
        Assert.AreEqual(0, x.Rows);
        Assert.AreEqual(0, x.NonZeros);
    }

    /// <summary>n rows of k columns, each entry stored with probability <paramref name="density"/> (some rows empty).</summary>
    internal static SparseBatch RandomRows(Random random, int n, int k, double density)
    {
        var x = new SparseBatch(k);
        var indices = new List<int>();
        var values = new List<float>();
        for (int i = 0; i < n; i++)
        {
            indices.Clear();
            values.Clear();
            for (int c = 0; c < k; c++)
                if (random.NextDouble() < density) { indices.Add(c); values.Add((float)(random.NextDouble() * 2 - 1)); }
            x.AppendRow(indices.ToArray(), values.ToArray());
        }
        return x;
    }

    private static float[] RandomFloats(Random random, int count) => Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
}

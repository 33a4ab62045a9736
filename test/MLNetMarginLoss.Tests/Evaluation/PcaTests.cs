using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Evaluation;

namespace MLNetMarginLoss.Tests.Evaluation;

[TestClass]
public sealed class PcaTests
{
    private static readonly double S = Math.Sqrt(0.5);
    private static readonly double[][] Axes = [[S, S, 0, 0], [S, -S, 0, 0], [0, 0, 0.6, 0.8]];
    private static readonly double[] Offset = [5, -3, 2, 1];

    // Six points offset ± 3·u1, ± 2·u2, ± 1·u3 (u orthonormal in 4-D). The mean is the offset and the
    // sample covariance (÷ 5) is (2·9 u1u1ᵀ + 2·4 u2u2ᵀ + 2·1 u3u3ᵀ)/5: variances 3.6, 1.6, 0.4, 0.
    private static float[] Data()
    {
        double[] scale = [3, 2, 1];
        var rows = new List<float>();
        for (int a = 0; a < 3; a++)
            foreach (var sign in new[] { 1.0, -1.0 })
                for (int j = 0; j < 4; j++) rows.Add((float)(Offset[j] + sign * scale[a] * Axes[a][j]));
        return rows.ToArray();
    }

    [TestMethod]
    public void RecoversKnownVariancesAndAxes()
    {
        var pca = Pca.Fit(Data(), 4);
        double[] variances = [3.6, 1.6, 0.4, 0];
        for (int i = 0; i < 4; i++) Assert.AreEqual(variances[i], pca.ExplainedVariance[i], 1e-5, $"variance {i}");
        double[] ratio = [9.0 / 14, 4.0 / 14, 1.0 / 14, 0];
        for (int i = 0; i < 4; i++) Assert.AreEqual(ratio[i], pca.ExplainedVarianceRatio[i], 1e-6, $"ratio {i}");
        Assert.AreEqual(1.0, pca.CumulativeExplainedVarianceRatio[3], 1e-9);
        for (int j = 0; j < 4; j++) Assert.AreEqual(Offset[j], pca.Mean[j], 1e-5);
        for (int a = 0; a < 3; a++)
        {
            double dot = 0;
            for (int j = 0; j < 4; j++) dot += pca.Component(a)[j] * Axes[a][j];
            Assert.AreEqual(1.0, Math.Abs(dot), 1e-5, $"axis {a}");
        }
    }

    [TestMethod]
    public void ProjectionGivesCoordinatesAlongTheAxes()
    {
        var data = Data();
        var pca = Pca.Fit(data, 4);
        var p = pca.Project(data, 2);
        // Row 0 is offset + 3·u1 → (±3, 0); row 2 is offset + 2·u2 → (0, ±2).
        Assert.AreEqual(3, Math.Abs(p[0]), 1e-4);
        Assert.AreEqual(0, p[1], 1e-4);
        Assert.AreEqual(0, p[4], 1e-4);
        Assert.AreEqual(2, Math.Abs(p[5]), 1e-4);
        Assert.AreEqual(-p[0], p[2], 1e-4);   // row 1 is the mirror image of row 0
    }

    [TestMethod]
    public void JacobiSolverDiagonalisesARandomSymmetricMatrix()
    {
        int n = 12;
        var rng = new SeededRandom(3);
        var a = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = rng.NextGaussian();
        var (values, vectors) = SymmetricEigenSolver.Decompose(a, n);
        for (int r = 0; r < n; r++)
        {
            if (r > 0) Assert.IsTrue(values[r] <= values[r - 1]);
            for (int i = 0; i < n; i++)
            {
                double av = 0;
                for (int j = 0; j < n; j++) av += a[i * n + j] * vectors[r * n + j];
                Assert.AreEqual(values[r] * vectors[r * n + i], av, 1e-9, $"A·v = λ·v for eigenpair {r}");
            }
            for (int s = 0; s < n; s++)
            {
                double dot = 0;
                for (int j = 0; j < n; j++) dot += vectors[r * n + j] * vectors[s * n + j];
                Assert.AreEqual(r == s ? 1 : 0, dot, 1e-9);
            }
        }
    }

    [TestMethod]
    public void AsymmetricMatrixIsRejected()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => SymmetricEigenSolver.Decompose([1, 2, 3, 4], 2));
        StringAssert.Contains(ex.Message, "not symmetric");
    }
}

using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Kernels;
using MLNetMarginLoss.Evaluation;

namespace MLNetMarginLoss.Tests.Evaluation;

[TestClass]
public sealed class RetrievalEvaluatorTests
{
    private static float[] AtAngles(params double[] degrees) =>
        degrees.SelectMany(d => new[] { (float)Math.Cos(d * Math.PI / 180), (float)Math.Sin(d * Math.PI / 180) }).ToArray();

    [TestMethod]
    public void FivePointExampleMatchesHandComputation()
    {
        // Points on the unit circle (degrees) and labels:
        //   p0 A 0°, p1 A 35°, p2 A 45°, p3 B 15°, p4 B 80°.   A: R = 2, B: R = 1.
        // Neighbours by angle:
        //   q0: p3(B) 15, p1(A) 35 …  top-2 [B, A]: P@1 0, RP 1/2, AP@R (1/2)(1/2) = 1/4
        //   q1: p2(A) 10, p3(B) 20 …  top-2 [A, B]: P@1 1, RP 1/2, AP@R (1/2)(1)   = 1/2
        //   q2: p1(A) 10, p3(B) 30 …  top-2 [A, B]: P@1 1, RP 1/2, AP@R 1/2
        //   q3: p0(A) 15             top-1 [A]   : 0, 0, 0
        //   q4: p2(A) 35             top-1 [A]   : 0, 0, 0
        var x = AtAngles(0, 35, 45, 15, 80);
        int[] labels = [0, 0, 0, 1, 1];
        using var ctx = ComputeContext.Create(GemmProvider.Auto, 2);
        var m = RetrievalEvaluator.Evaluate(x, 2, labels, ctx);
        Assert.AreEqual(0.4, m.PrecisionAt1, 1e-12);
        Assert.AreEqual(0.3, m.RPrecision, 1e-12);
        Assert.AreEqual(0.25, m.MapAtR, 1e-12);
        Assert.AreEqual(5, m.QueryCount);
        Assert.AreEqual(0, m.SkippedQueries);
    }

    [TestMethod]
    public void PerfectClustersScoreOneAndSingletonsAreSkipped()
    {
        // Two tight clusters and one class with a single member (no relevant neighbour → skipped).
        var x = AtAngles(0, 1, 2, 90, 91, 180);
        var m = RetrievalEvaluator.Evaluate(x, 2, [3, 3, 3, 7, 7, 9]);
        Assert.AreEqual(1.0, m.PrecisionAt1);
        Assert.AreEqual(1.0, m.RPrecision);
        Assert.AreEqual(1.0, m.MapAtR);
        Assert.AreEqual(5, m.QueryCount);
        Assert.AreEqual(1, m.SkippedQueries);
    }

    [TestMethod]
    public void MapAtRPenalisesLateHitsMoreThanRPrecision()
    {
        // Query q0 (class A, R = 3): neighbours by angle p4(B) 5, p1(A) 10, p2(A) 20, p3(A) 30.
        // R-precision of q0 = 2/3; AP@R = (1/3)(1/2 + 2/3) = 7/18.
        var x = AtAngles(0, 10, 20, 30, -5, 200);
        int[] labels = [0, 0, 0, 0, 1, 1];
        var search = new MLNetMarginLoss.Embeddings.CosineSearch(x, 2);
        var nn = search.SearchReferences(3, 0, 1);
        CollectionAssert.AreEqual(new[] { 4, 1, 2 }, nn.IndicesOf(0).ToArray());
        // Whole-set metrics stay in range and are consistent: MAP@R ≤ R-precision.
        var m = RetrievalEvaluator.Evaluate(x, 2, labels);
        Assert.IsTrue(m.MapAtR <= m.RPrecision + 1e-12);
        Assert.IsTrue(m.MapAtR > 0 && m.MapAtR < 1);
    }

    [TestMethod]
    public void LabelCountMismatchIsRejected()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => RetrievalEvaluator.Evaluate(new float[6], 2, [0, 1]));
        StringAssert.Contains(ex.Message, "2 labels for 3 embeddings");
    }
}

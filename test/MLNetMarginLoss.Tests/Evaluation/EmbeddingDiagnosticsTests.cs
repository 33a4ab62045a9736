using MLNetMarginLoss.Evaluation;

namespace MLNetMarginLoss.Tests.Evaluation;

[TestClass]
public sealed class EmbeddingDiagnosticsTests
{
    private static float[] AtAngles(double radius, params double[] degrees) =>
        degrees.SelectMany(d => new[] { (float)(radius * Math.Cos(d * Math.PI / 180)), (float)(radius * Math.Sin(d * Math.PI / 180)) }).ToArray();

    [TestMethod]
    public void AnglesMatchTheConstruction()
    {
        // Class 0 at ±10° (centre 0°), class 1 at 90° ± 20° (centre 90°), class 2 a single row at 180°.
        // Intra angles: 10, 10, 20, 20, 0 → mean 12. Closest centres: 0° and 90° (also 90° and 180°; the first pair found wins).
        var x = AtAngles(2.5, 10, -10, 110, 70, 180);
        var d = EmbeddingDiagnostics.Compute(x, 2, [0, 0, 1, 1, 2]);
        Assert.AreEqual(12, d.MeanIntraClassAngle, 1e-4);
        Assert.AreEqual(10, d.PerClassMeanAngle[0], 1e-4);
        Assert.AreEqual(20, d.PerClassMeanAngle[1], 1e-4);
        Assert.AreEqual(0, d.PerClassMeanAngle[2], 1e-4);
        Assert.AreEqual(90, d.MinInterClassCenterAngle, 1e-4);
        Assert.AreEqual((0, 1), d.ClosestClassPair);
        Assert.AreEqual(2, d.ExplainedVarianceRatio.Count);
        Assert.AreEqual(1, d.ExplainedVarianceRatio.Sum(), 1e-9);
    }

    [TestMethod]
    public void SingleClassHasNoInterClassAngle()
    {
        var d = EmbeddingDiagnostics.Compute(AtAngles(1, 0, 30), 2, [4, 4]);
        Assert.IsTrue(double.IsNaN(d.MinInterClassCenterAngle));
        Assert.AreEqual(15, d.MeanIntraClassAngle, 1e-4);
    }
}

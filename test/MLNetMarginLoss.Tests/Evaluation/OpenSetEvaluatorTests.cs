using MLNetMarginLoss.Evaluation;

namespace MLNetMarginLoss.Tests.Evaluation;

/// <summary>Open-set identification on points of the unit circle, every rate worked out by hand.</summary>
[TestClass]
public sealed class OpenSetEvaluatorTests
{
    private static float[] At(params double[] degrees) =>
        [.. degrees.SelectMany(d => new[] { (float)Math.Cos(d * Math.PI / 180), (float)Math.Sin(d * Math.PI / 180) })];

    private static double Cos(double degrees) => Math.Cos(degrees * Math.PI / 180);

    // Gallery: A at 0°, B at 90°.
    private static readonly float[] Gallery = At(0, 90);
    private static readonly int[] GalleryLabels = [0, 1];

    // Known probes; even rows calibrate, odd rows are measured. Best gallery similarity and match:
    //   0: A at 10°   cos 10° (A)   calibration
    //   1: A at 20°   cos 20° (A)   measured, right class
    //   2: B at 60°   cos 30° (B)   calibration
    //   3: B at 40°   cos 40° (A)   measured, wrong class
    //   4: A at −35°  cos 35° (A)   calibration
    //   5: B at 95°   cos 5° (B)    measured, right class
    private static readonly float[] Known = At(10, 20, 60, 40, -35, 95);
    private static readonly int[] KnownLabels = [0, 0, 1, 1, 0, 1];

    // Unknown probes: at 180° (best cos 90° = 0), 45° (cos 45°) and 2° (cos 2°).
    private static readonly float[] Unknown = At(180, 45, 2);

    [TestMethod]
    public void RatesFollowTheHandWorkedThreshold()
    {
        // Accepting 2/3 of the calibration similarities {cos 10°, cos 30°, cos 35°} puts the threshold at cos 30°.
        var m = OpenSetEvaluator.Evaluate(Gallery, GalleryLabels, Known, KnownLabels, Unknown, 2, acceptRate: 2.0 / 3);
        Assert.AreEqual(Cos(30), m.Threshold, 1e-6);
        // Measured rows: 20° accepted and right, 40° (cos 40° < cos 30°) rejected and wrong, 95° accepted and right.
        Assert.AreEqual(2.0 / 3, m.KnownAcceptRate, 1e-12);
        Assert.AreEqual(2.0 / 3, m.DetectionAndIdentificationRate, 1e-12);
        Assert.AreEqual(2.0 / 3, m.ClosedSetAccuracy, 1e-12);
        // Unknown: 0 and cos 45° are below the threshold, cos 2° above it.
        Assert.AreEqual(2.0 / 3, m.UnknownRejectRate, 1e-12);
        // Every known similarity (≥ cos 40°) beats 0 and cos 45°, none beats cos 2°: 12 of 18 known–unknown pairs.
        Assert.AreEqual(2.0 / 3, m.Auc, 1e-12);
        Assert.AreEqual(6, m.KnownProbeCount);
        Assert.AreEqual(3, m.UnknownProbeCount);
        Assert.AreEqual(2.0 / 3, m.TargetAcceptRate);
    }

    [TestMethod]
    public void TheThresholdAcceptsAtLeastTheAskedShareOfCalibrationProbes()
    {
        // 0.6 of 3 calibration probes rounds up to 2: the same threshold; accepting all of them lowers it to cos 35°.
        Assert.AreEqual(Cos(30), OpenSetEvaluator.Evaluate(Gallery, GalleryLabels, Known, KnownLabels, Unknown, 2, 0.6).Threshold, 1e-6);
        var all = OpenSetEvaluator.Evaluate(Gallery, GalleryLabels, Known, KnownLabels, Unknown, 2, 1.0);
        Assert.AreEqual(Cos(35), all.Threshold, 1e-6);
        Assert.AreEqual(2.0 / 3, all.KnownAcceptRate, 1e-12);    // cos 40° is still below cos 35°
        var strict = OpenSetEvaluator.Evaluate(Gallery, GalleryLabels, Known, KnownLabels, Unknown, 2, 0.2);
        Assert.AreEqual(Cos(10), strict.Threshold, 1e-6);
        Assert.AreEqual(1.0 / 3, strict.KnownAcceptRate, 1e-12);  // only the 95° probe (cos 5°) reaches it
        Assert.AreEqual(2.0 / 3, strict.UnknownRejectRate, 1e-12); // the 2° probe (cos 2°) still passes
    }

    [TestMethod]
    public void BadInputIsRefused()
    {
        Assert.ThrowsExactly<ArgumentException>(() => OpenSetEvaluator.Evaluate(Gallery, GalleryLabels, At(10), [0], Unknown, 2, 0.95));
        Assert.ThrowsExactly<ArgumentException>(() => OpenSetEvaluator.Evaluate(Gallery, GalleryLabels, Known, KnownLabels, [], 2, 0.95));
        var e = Assert.ThrowsExactly<ArgumentException>(() => OpenSetEvaluator.Evaluate(Gallery, GalleryLabels, Known, [0, 0, 1, 1, 0, 5], Unknown, 2, 0.95));
        StringAssert.Contains(e.Message, "class 5 has no gallery image");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => OpenSetEvaluator.Evaluate(Gallery, GalleryLabels, Known, KnownLabels, Unknown, 2, 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => OpenSetEvaluator.Evaluate(Gallery, GalleryLabels, Known, KnownLabels, Unknown, 2, 1.5));
    }
}

using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Evaluation;

namespace MLNetMarginLoss.Tests.Evaluation;

[TestClass]
public sealed class VerificationTests
{
    // Scores (S = same, D = different): 0.9 S, 0.8 D, 0.7 S, 0.6 S, 0.5 D, 0.4 D.
    // ROC: (0,0) (0,1/3) (1/3,1/3) (1/3,2/3) (1/3,1) (2/3,1) (1,1).
    // AUC = 1/9 + 1/3 + 1/3 = 7/9 (7 of the 9 same/different pairs are ordered correctly).
    // EER: FPR = FNR = 1/3 at the point (1/3, 2/3).
    private static readonly float[] Scores = [0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.4f];
    private static readonly bool[] Same = [true, false, true, true, false, false];

    [TestMethod]
    public void RocPointsAucAndEerOnATinyList()
    {
        var roc = RocCurve.Create(Scores, Same);
        double[] fpr = [0, 0, 1.0 / 3, 1.0 / 3, 1.0 / 3, 2.0 / 3, 1];
        double[] tpr = [0, 1.0 / 3, 1.0 / 3, 2.0 / 3, 1, 1, 1];
        Assert.AreEqual(fpr.Length, roc.Points.Count);
        for (int i = 0; i < fpr.Length; i++)
        {
            Assert.AreEqual(fpr[i], roc.Points[i].FalsePositiveRate, 1e-12, $"FPR {i}");
            Assert.AreEqual(tpr[i], roc.Points[i].TruePositiveRate, 1e-12, $"TPR {i}");
        }
        Assert.AreEqual(7.0 / 9, roc.Auc, 1e-12);
        Assert.AreEqual(1.0 / 3, roc.EqualErrorRate, 1e-12);
        Assert.AreEqual(3, roc.PositiveCount);
        Assert.AreEqual(3, roc.NegativeCount);
    }

    [TestMethod]
    public void EerInterpolatesBetweenPoints()
    {
        // S 0.9, D 0.8, D 0.7, D 0.6, S 0.5: points (0,0) (0,.5) (1/3,.5) (2/3,.5) (1,.5) (1,1).
        // FPR + TPR − 1 crosses 0 halfway along (1/3,.5)–(2/3,.5): EER = 1/2, where FPR = FNR = 0.5.
        var roc = RocCurve.Create([0.9f, 0.8f, 0.7f, 0.6f, 0.5f], [true, false, false, false, true]);
        Assert.AreEqual(0.5, roc.EqualErrorRate, 1e-12);
        // Perfect separation: EER 0, AUC 1.
        var perfect = RocCurve.Create([0.9f, 0.8f, 0.2f, 0.1f], [true, true, false, false]);
        Assert.AreEqual(0, perfect.EqualErrorRate, 1e-12);
        Assert.AreEqual(1, perfect.Auc, 1e-12);
    }

    [TestMethod]
    public void TiedScoresFormOneStep()
    {
        var roc = RocCurve.Create([0.5f, 0.5f], [true, false]);
        Assert.AreEqual(2, roc.Points.Count);
        Assert.AreEqual(0.5, roc.Auc, 1e-12);
    }

    [TestMethod]
    public void TarAtFarIsNaNWhenTooFewNegatives()
    {
        var roc = RocCurve.Create(Scores, Same);
        Assert.IsTrue(double.IsNaN(roc.TrueAcceptRateAt(0.1)));   // 3 negatives cannot measure FAR 0.1
        Assert.IsFalse(roc.IsMeasurable(0.2));
        Assert.AreEqual(1.0, roc.TrueAcceptRateAt(1.0 / 3), 1e-12);
        var metrics = new VerificationMetrics(Scores, Same, folds: 2);
        Assert.IsTrue(metrics.TrueAcceptRates.Values.All(double.IsNaN));
    }

    [TestMethod]
    public void TarAtFarWithTenNegatives()
    {
        // 10 negatives scored 0.0..0.9 and 4 positives at 0.95, 0.85, 0.75, 0.05.
        // FAR ≤ 0.1 allows one false accept (the negative at 0.9): threshold 0.85 accepts 0.95 and 0.85 → TAR 1/2.
        // FAR ≤ 0.2 allows the negatives at 0.9 and 0.8: threshold 0.75 accepts three positives → TAR 3/4.
        var scores = new List<float>(); var same = new List<bool>();
        for (int i = 0; i < 10; i++) { scores.Add(i / 10f); same.Add(false); }
        foreach (var s in new[] { 0.95f, 0.85f, 0.75f, 0.05f }) { scores.Add(s); same.Add(true); }
        var roc = RocCurve.Create(scores.ToArray(), same.ToArray());
        Assert.AreEqual(0.5, roc.TrueAcceptRateAt(0.1), 1e-12);
        Assert.AreEqual(0.75, roc.TrueAcceptRateAt(0.2), 1e-12);
        Assert.IsTrue(double.IsNaN(roc.TrueAcceptRateAt(0.01)));
    }

    [TestMethod]
    public void BestThresholdPicksTheFirstBestMidpoint()
    {
        // S 0.9, D 0.8, S 0.7, D 0.3: accept none 2/4, ≥0.9 3/4, ≥0.8 2/4, ≥0.7 3/4, all 2/4 → (0.9+0.8)/2.
        Assert.AreEqual(0.85, ThresholdCrossValidation.BestThreshold([0.9f, 0.8f, 0.7f, 0.3f], [true, false, true, false]), 1e-6);
    }

    [TestMethod]
    public void TenFoldAccuracyIsOneOnSeparableData()
    {
        var rng = new SeededRandom(5);
        int n = 200;
        var scores = new float[n]; var same = new bool[n];
        for (int i = 0; i < n; i++)
        {
            same[i] = i % 2 == 0;
            scores[i] = same[i] ? rng.Uniform(0.6f, 1f) : rng.Uniform(-0.2f, 0.4f);
        }
        var cv = ThresholdCrossValidation.Evaluate(scores, same);
        Assert.AreEqual(10, cv.FoldAccuracies.Count);
        Assert.AreEqual(1.0, cv.MeanAccuracy);
        Assert.AreEqual(0.0, cv.StandardDeviation);
        Assert.IsTrue(cv.FoldThresholds.All(t => t > 0.4 && t < 0.6));
    }

    [TestMethod]
    public void OneOutlierCostsOnlyItsOwnFold()
    {
        // 20 pairs, 2 per fold, separable except pair 0: a same pair with the lowest score of all.
        // Fold 0 gets 1/2; the other folds' thresholds stay in the gap and score 1.
        // Mean = (0.5 + 9)/10 = 0.95; population std = sqrt((0.45² + 9·0.05²)/10) = 0.15.
        var scores = new float[20]; var same = new bool[20];
        for (int i = 0; i < 20; i++) { same[i] = i % 2 == 0; scores[i] = same[i] ? 0.8f + i * 0.001f : 0.2f + i * 0.001f; }
        scores[0] = -0.5f;
        var cv = ThresholdCrossValidation.Evaluate(scores, same);
        Assert.AreEqual(0.5, cv.FoldAccuracies[0], 1e-12);
        Assert.AreEqual(0.95, cv.MeanAccuracy, 1e-12);
        Assert.AreEqual(0.15, cv.StandardDeviation, 1e-12);
    }

    [TestMethod]
    public void PairGeneratorIsBalancedSeededAndConsistent()
    {
        int[] labels = [0, 0, 0, 1, 1, 2, 3, 3, 3, 3];
        var a = PairGenerator.Generate(labels, 400, new SeededRandom(11));
        var b = PairGenerator.Generate(labels, 400, new SeededRandom(11));
        Assert.AreEqual(200, a.IsSame.Count(s => s));
        for (int p = 0; p < a.Count; p++)
        {
            Assert.AreNotEqual(a.First[p], a.Second[p]);
            Assert.AreEqual(a.IsSame[p], labels[a.First[p]] == labels[a.Second[p]]);
            Assert.AreEqual(a.First[p], b.First[p]);
            Assert.AreEqual(a.Second[p], b.Second[p]);
        }
        // Class 2 has one member, so it never appears in a same pair.
        Assert.IsFalse(Enumerable.Range(0, a.Count).Any(p => a.IsSame[p] && labels[a.First[p]] == 2));
        var ex = Assert.ThrowsExactly<ArgumentException>(() => PairGenerator.Generate([1, 1, 1], 10, new SeededRandom(1)));
        StringAssert.Contains(ex.Message, "at least 2 classes");
    }

    [TestMethod]
    public void EvaluatorScoresPairsByCosine()
    {
        float[] x = [1, 0, 2, 0, 0, 3, -1, 0];   // rows: +x, +x (longer), +y, −x
        var pairs = new VerificationPairs([0, 0, 0], [1, 2, 3], [true, false, false]);
        CollectionAssert.AreEqual(new[] { 1f, 0f, -1f }, VerificationEvaluator.ScorePairs(x, 2, pairs));
    }
}

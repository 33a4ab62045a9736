using MLNetMarginLoss.Evaluation;

namespace MLNetMarginLoss.Tests.Evaluation;

[TestClass]
public sealed class MulticlassEvaluatorTests
{
    // Seven rows, three classes. Worked out by hand:
    //  row label probabilities       predicted  rank of label
    //   0    0   [0.7, 0.2, 0.1]      0          0
    //   1    0   [0.3, 0.6, 0.1]      1          1
    //   2    1   [0.1, 0.8, 0.1]      1          0
    //   3    1   [0.2, 0.3, 0.5]      2          1
    //   4    2   [0.1, 0.1, 0.8]      2          0
    //   5    2   [0.4, 0.4, 0.2]      0 (tie → first class)  2
    //   6    2   [0.05, 0.05, 0.9]    2          0
    // Confusion (rows actual): [1 1 0] [0 1 1] [1 0 2].
    private static readonly int[] Labels = [0, 0, 1, 1, 2, 2, 2];
    private static readonly float[] Probabilities =
    [
        0.7f, 0.2f, 0.1f,
        0.3f, 0.6f, 0.1f,
        0.1f, 0.8f, 0.1f,
        0.2f, 0.3f, 0.5f,
        0.1f, 0.1f, 0.8f,
        0.4f, 0.4f, 0.2f,
        0.05f, 0.05f, 0.9f,
    ];

    [TestMethod]
    public void AccuraciesAndConfusionMatchTheHandWorkedExample()
    {
        var m = MulticlassEvaluator.Evaluate(Labels, Probabilities, 3, topKPredictionCount: 2);
        Assert.AreEqual(4.0 / 7, m.MicroAccuracy, 1e-12);
        Assert.AreEqual((0.5 + 0.5 + 2.0 / 3) / 3, m.MacroAccuracy, 1e-12);
        Assert.AreEqual(2, m.TopKPredictionCount);
        Assert.AreEqual(6.0 / 7, m.TopKAccuracy, 1e-12);
        CollectionAssert.AreEqual(new[] { 4.0 / 7, 6.0 / 7, 1.0 }, m.TopKAccuracyForAllK.ToArray());

        var cm = m.ConfusionMatrix;
        Assert.AreEqual(3, cm.NumberOfClasses);
        double[][] expected = [[1, 1, 0], [0, 1, 1], [1, 0, 2]];
        for (int i = 0; i < 3; i++) CollectionAssert.AreEqual(expected[i], cm.Counts[i].ToArray());
        Assert.AreEqual(2.0, cm.GetCountForClassPair(predictedClass: 2, actualClass: 2));
        Assert.AreEqual(1.0, cm.GetCountForClassPair(predictedClass: 0, actualClass: 2));
        CollectionAssert.AreEqual(new[] { 0.5, 0.5, 2.0 / 3 }, cm.PerClassPrecision.ToArray());
        CollectionAssert.AreEqual(new[] { 0.5, 0.5, 2.0 / 3 }, cm.PerClassRecall.ToArray());
    }

    [TestMethod]
    public void LogLossAndReductionFollowMlNetDefinitions()
    {
        var m = MulticlassEvaluator.Evaluate(Labels, Probabilities, 3);
        double[] pTrue = [0.7, 0.3, 0.8, 0.3, 0.8, 0.2, 0.9];
        double ll = -pTrue.Sum(Math.Log) / 7;
        Assert.AreEqual(ll, m.LogLoss, 1e-6);
        Assert.AreEqual(-(Math.Log(0.7) + Math.Log(0.3)) / 2, m.PerClassLogLoss[0], 1e-6);
        Assert.AreEqual(-(Math.Log(0.8) + Math.Log(0.3)) / 2, m.PerClassLogLoss[1], 1e-6);
        Assert.AreEqual(-(Math.Log(0.8) + Math.Log(0.2) + Math.Log(0.9)) / 3, m.PerClassLogLoss[2], 1e-6);
        // Prior log-loss = entropy of the label frequencies 2/7, 2/7, 3/7.
        double prior = -(2 * (2.0 / 7) * Math.Log(2.0 / 7) + (3.0 / 7) * Math.Log(3.0 / 7));
        Assert.AreEqual((prior - ll) / prior, m.LogLossReduction, 1e-6);
        Assert.AreEqual(0, m.TopKPredictionCount);
        Assert.AreEqual(0, m.TopKAccuracy);
    }

    [TestMethod]
    public void ZeroProbabilityIsClippedAtOneEMinus15()
    {
        var m = MulticlassEvaluator.Evaluate([0, 1], [0f, 1f, 0f, 1f], 2);
        Assert.AreEqual(-Math.Log((float)1e-15) / 2, m.LogLoss, 1e-9);
        Assert.AreEqual(0.5, m.MicroAccuracy);
        Assert.AreEqual(0.5, m.MacroAccuracy);
        // A perfect model reduces the prior log-loss by 100 %.
        var perfect = MulticlassEvaluator.Evaluate([0, 1], [1f, 0f, 0f, 1f], 2);
        Assert.AreEqual(1.0, perfect.LogLossReduction, 1e-12);
    }

    [TestMethod]
    public void MacroAccuracySkipsClassesWithoutInstances()
    {
        // Class 2 never occurs: macro = mean(recall 0, recall 1) = (1 + 0) / 2.
        var m = MulticlassEvaluator.Evaluate([0, 1], [0.9f, 0.05f, 0.05f, 0.1f, 0.1f, 0.8f], 3);
        Assert.AreEqual(0.5, m.MacroAccuracy, 1e-12);
        Assert.AreEqual(0, m.PerClassLogLoss[2]);
        Assert.AreEqual(0, m.ConfusionMatrix.PerClassPrecision[1]);
    }

    [TestMethod]
    public void BadInputGetsClearMessages()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => MulticlassEvaluator.Evaluate([0, 3], new float[6], 3));
        StringAssert.Contains(ex.Message, "Label 3 at row 1");
        ex = Assert.ThrowsExactly<ArgumentException>(() => MulticlassEvaluator.Evaluate([0, 1], new float[5], 3));
        StringAssert.Contains(ex.Message, "Expected 2×3");
        ex = Assert.ThrowsExactly<ArgumentException>(() => MulticlassEvaluator.Evaluate([0], [float.NaN, 1f], 2));
        StringAssert.Contains(ex.Message, "finite");
    }

    [TestMethod]
    public void FormattedTableShowsCountsRecallAndPrecision()
    {
        var cm = MulticlassEvaluator.Evaluate(Labels, Probabilities, 3, classNames: ["cat", "dog", "eel"]).ConfusionMatrix;
        var lines = cm.GetFormattedConfusionTable().Split('\n');
        var eel = lines.Single(l => l.TrimStart().StartsWith("eel ", StringComparison.Ordinal));
        StringAssert.Contains(eel, "0.6667");
        CollectionAssert.AreEqual(new[] { "1", "0", "2" },
            eel.Split("||")[1].Split('|').Take(3).Select(s => s.Trim()).ToArray());
        StringAssert.StartsWith(lines.Single(l => l.StartsWith("Precision", StringComparison.Ordinal)).Split("||")[1].Trim(), "0.5000");
    }
}

using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Layers;

namespace MLNetMarginLoss.Tests.Engine;

[TestClass]
public sealed class BatchNormTests
{
    private static Tensor Tensor(int rows, TensorShape shape, params float[] values)
    {
        var t = new Tensor(rows, shape);
        values.CopyTo(t.Data, 0);
        return t;
    }

    [TestMethod]
    public void TrainingNormalisesWithBatchStatisticsAndUpdatesRunningOnes()
    {
        var bn = new BatchNorm1d(2);
        bn.Weight.Value[1] = 2f;
        bn.Bias.Value[1] = 1f;
        // Feature 0: 1, 2, 3, 4 (mean 2.5, biased variance 1.25, unbiased 5/3). Feature 1: 10, 10, 10, 14 (mean 11, variance 3, unbiased 4).
        var x = Tensor(4, TensorShape.Vector(2), 1, 10, 2, 10, 3, 10, 4, 14);
        var y = bn.Forward(x, training: true).Span.ToArray();
        double s0 = Math.Sqrt(1.25 + 1e-5), s1 = Math.Sqrt(3 + 1e-5);
        double[] expected =
        [
            -1.5 / s0, 2 * (-1 / s1) + 1, -0.5 / s0, 2 * (-1 / s1) + 1,
            0.5 / s0, 2 * (-1 / s1) + 1, 1.5 / s0, 2 * (3 / s1) + 1,
        ];
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], y[i], 1e-5, $"element {i}");
        // running = 0.9·running + 0.1·batch, with the unbiased variance.
        Assert.AreEqual(0.25, bn.RunningMean.Value[0], 1e-6);
        Assert.AreEqual(1.1, bn.RunningMean.Value[1], 1e-6);
        Assert.AreEqual(0.9 + 0.1 * 5.0 / 3, bn.RunningVar.Value[0], 1e-6);
        Assert.AreEqual(0.9 + 0.1 * 4, bn.RunningVar.Value[1], 1e-6);
    }

    [TestMethod]
    public void InferenceUsesRunningStatistics()
    {
        var bn = new BatchNorm2d(2);
        new float[] { 1f, -2f }.CopyTo(bn.RunningMean.Value, 0);
        new float[] { 4f, 0.25f }.CopyTo(bn.RunningVar.Value, 0);
        new float[] { 3f, 1f }.CopyTo(bn.Weight.Value, 0);
        new float[] { 0f, 0.5f }.CopyTo(bn.Bias.Value, 0);
        var x = Tensor(1, new TensorShape(2, 1, 2), 5, 1, -2, -1);
        var y = bn.Forward(x, training: false).Span.ToArray();
        double s0 = Math.Sqrt(4 + 1e-5), s1 = Math.Sqrt(0.25 + 1e-5);
        double[] expected = [3 * 4 / s0, 3 * 0 / s0, 0 / s1 + 0.5, 1 / s1 + 0.5];
        for (int i = 0; i < expected.Length; i++) Assert.AreEqual(expected[i], y[i], 1e-5, $"element {i}");
        // Inference leaves the running statistics alone.
        CollectionAssert.AreEqual(new[] { 1f, -2f }, bn.RunningMean.Value);
        CollectionAssert.AreEqual(new[] { 4f, 0.25f }, bn.RunningVar.Value);
    }

    [TestMethod]
    public void BatchNorm2dPoolsStatisticsOverSamplesAndPositions()
    {
        var bn = new BatchNorm2d(1);
        // One channel, 2 samples of 1×2: values 0, 2, 4, 6 → mean 3, variance 5.
        var y = bn.Forward(Tensor(2, new TensorShape(1, 1, 2), 0, 2, 4, 6), training: true).Span.ToArray();
        double s = Math.Sqrt(5 + 1e-5);
        CollectionAssert.AreEqual(new[] { -3 / s, -1 / s, 1 / s, 3 / s }.Select(v => (float)v).ToArray(), y, new ToleranceComparer(1e-5f));
        Assert.AreEqual(0.3f, bn.RunningMean.Value[0], 1e-6f);
        Assert.AreEqual(0.9 + 0.1 * 20.0 / 3, bn.RunningVar.Value[0], 1e-6);
    }

    private sealed class ToleranceComparer(float tolerance) : System.Collections.IComparer
    {
        public int Compare(object? a, object? b) => MathF.Abs((float)a! - (float)b!) <= tolerance ? 0 : 1;
    }

    [TestMethod]
    public void StateHasPyTorchNamesAndDefaults()
    {
        var bn = new BatchNorm2d(3);
        CollectionAssert.AreEqual(new[] { ("weight", false), ("bias", false), ("running_mean", true), ("running_var", true) },
            bn.NamedState().Select(s => (s.Name, s.IsBuffer)).ToArray());
        Assert.IsTrue(bn.Weight.NoWeightDecay && bn.Bias.NoWeightDecay);
        CollectionAssert.AreEqual(new[] { 1f, 1, 1 }, bn.Weight.Value);
        CollectionAssert.AreEqual(new[] { 1f, 1, 1 }, bn.RunningVar.Value);
        Assert.AreEqual(0.1, bn.Momentum);
        Assert.AreEqual(1e-5, bn.Epsilon);
    }

    [TestMethod]
    public void WrongShapesAreClearErrors()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new BatchNorm1d(4).GetOutputShape(TensorShape.Vector(5)));
        StringAssert.Contains(ex.Message, "BatchNorm1d(4)");
        StringAssert.Contains(ex.Message, "[5]");
        ex = Assert.ThrowsExactly<ArgumentException>(() => new BatchNorm1d(4).GetOutputShape(new TensorShape(4, 3, 3)));
        StringAssert.Contains(ex.Message, "[4×3×3]");
        ex = Assert.ThrowsExactly<ArgumentException>(() => new BatchNorm2d(8).Forward(new Tensor(2, new TensorShape(3, 4, 4)), true));
        StringAssert.Contains(ex.Message, "8 channels");
    }

    [TestMethod]
    public void TrainingOnOneValuePerChannelIsRefused()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new BatchNorm1d(3).Forward(new Tensor(1, TensorShape.Vector(3)), training: true));
        StringAssert.Contains(ex.Message, "more than 1 value per channel");
        Assert.AreEqual(1, new BatchNorm1d(3).Forward(new Tensor(1, TensorShape.Vector(3)), training: false).Rows);
    }
}

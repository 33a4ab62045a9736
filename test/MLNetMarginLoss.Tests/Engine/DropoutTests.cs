using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Layers;

namespace MLNetMarginLoss.Tests.Engine;

[TestClass]
public sealed class DropoutTests
{
    private static Tensor Ones(int rows, int features)
    {
        var t = new Tensor(rows, TensorShape.Vector(features));
        t.Span.Fill(1f);
        return t;
    }

    [TestMethod]
    public void InferenceIsTheIdentity()
    {
        var x = GradientCheck.RandomTensor(3, new TensorShape(2, 3, 3), 1);
        var dropout = new Dropout(0.7);
        CollectionAssert.AreEqual(x.Span.ToArray(), dropout.Forward(x, training: false).Span.ToArray());
        var dy = GradientCheck.RandomTensor(3, new TensorShape(2, 3, 3), 2);
        CollectionAssert.AreEqual(dy.Span.ToArray(), dropout.Backward(dy).Span.ToArray());
    }

    [TestMethod]
    public void TrainingZeroesAboutPAndScalesSurvivors()
    {
        const double p = 0.3;
        var dropout = new Dropout(p);
        dropout.Initialize(new SeededRandom(11));
        var y = dropout.Forward(Ones(100, 1000), training: true).Span.ToArray();
        double zeros = y.Count(v => v == 0) / (double)y.Length;
        // 100 000 Bernoulli(0.3) draws: standard deviation 0.0014, so ±0.01 is a 7-sigma band.
        Assert.AreEqual(p, zeros, 0.01);
        float keep = (float)(1 / (1 - p));
        Assert.IsTrue(y.All(v => v == 0 || v == keep), "survivors are scaled by 1/(1 − p)");
        // The gradient uses the same mask.
        var dx = dropout.Backward(Ones(100, 1000)).Span.ToArray();
        CollectionAssert.AreEqual(y, dx);
    }

    [TestMethod]
    public void SameSeedSameMaskAndADifferentSeedDiffers()
    {
        float[] Mask(long seed)
        {
            var d = new Dropout(0.5);
            d.Initialize(new SeededRandom(seed));
            return d.Forward(Ones(4, 64), training: true).Span.ToArray();
        }
        CollectionAssert.AreEqual(Mask(5), Mask(5));
        CollectionAssert.AreNotEqual(Mask(5), Mask(6));
        // Successive batches draw fresh masks.
        var dropout = new Dropout(0.5);
        dropout.Initialize(new SeededRandom(5));
        var first = dropout.Forward(Ones(4, 64), true).Span.ToArray();
        CollectionAssert.AreNotEqual(first, dropout.Forward(Ones(4, 64), true).Span.ToArray());
    }

    [TestMethod]
    public void ExtremeProbabilities()
    {
        var x = GradientCheck.RandomTensor(2, TensorShape.Vector(8), 3);
        CollectionAssert.AreEqual(x.Span.ToArray(), new Dropout(0).Forward(x, true).Span.ToArray());
        Assert.IsTrue(new Dropout(1).Forward(x, true).Span.ToArray().All(v => v == 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Dropout(1.5));
    }
}

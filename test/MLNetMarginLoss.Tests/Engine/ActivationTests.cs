using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Kernels;
using MLNetMarginLoss.Engine.Layers;

namespace MLNetMarginLoss.Tests.Engine;

[TestClass]
public sealed class ActivationTests
{
    [TestMethod]
    public void ReLUOnALargeTensorSplitOverThreadsIsElementwiseExact()
    {
        // 3 samples of 50 000 elements: more than two blocks, the last one partial.
        using var context = ComputeContext.Create(GemmProvider.Managed, 2);
        var relu = new ReLU { Context = context };
        var x = GradientCheck.RandomTensor(3, TensorShape.Vector(50_000), 1);
        var dy = GradientCheck.RandomTensor(3, TensorShape.Vector(50_000), 2);
        Assert.IsGreaterThan(2 * ReLU.BlockLength, x.Length);
        var y = relu.Forward(x, training: true).Span.ToArray();
        var dx = relu.Backward(dy).Span.ToArray();
        for (int i = 0; i < x.Length; i++)
        {
            Assert.AreEqual(x.Data[i] > 0 ? x.Data[i] : 0f, y[i], $"output {i}");
            Assert.AreEqual(x.Data[i] > 0 ? dy.Data[i] : 0f, dx[i], $"input gradient {i}");
        }
    }

    [TestMethod]
    public void PReLUStartsAtAQuarterAndScalesNegativesPerChannel()
    {
        var shared = new PReLU();
        Assert.AreEqual(0.25f, shared.Weight.Value[0]);
        Assert.IsTrue(shared.Weight.NoWeightDecay);
        var x = new Tensor(1, new TensorShape(2, 1, 2));
        new float[] { -4, 2, -8, 0 }.CopyTo(x.Data, 0);
        CollectionAssert.AreEqual(new[] { -1f, 2, -2, 0 }, shared.Forward(x, true).Span.ToArray());

        var perChannel = new PReLU(2);
        perChannel.Weight.Value[1] = 0.5f;
        CollectionAssert.AreEqual(new[] { -1f, 2, -4, 0 }, perChannel.Forward(x, true).Span.ToArray());
        var dy = new Tensor(1, new TensorShape(2, 1, 2));
        new float[] { 1, 1, 1, 1 }.CopyTo(dy.Data, 0);
        CollectionAssert.AreEqual(new[] { 0.25f, 1, 0.5f, 0.5f }, perChannel.Backward(dy).Span.ToArray());
        // d/da = Σ x over the non-positive inputs of each channel.
        CollectionAssert.AreEqual(new[] { -4f, -8 }, perChannel.Weight.Gradient);
    }

    [TestMethod]
    public void PReLURejectsAChannelMismatch()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new PReLU(3).GetOutputShape(new TensorShape(4, 2, 2)));
        StringAssert.Contains(ex.Message, "3 channels");
        StringAssert.Contains(ex.Message, "got 4");
    }
}

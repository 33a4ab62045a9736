using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Layers;

namespace MLNetMarginLoss.Tests.Engine;

[TestClass]
public sealed class ResidualBlockTests
{
    [TestMethod]
    public void IdentityBlockStateNames()
    {
        var block = new ResidualBlock(4, 4);
        Assert.IsNull(block.Shortcut);
        CollectionAssert.AreEqual(new[]
        {
            "conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
            "conv2.weight", "bn2.weight", "bn2.bias", "bn2.running_mean", "bn2.running_var",
        }, block.NamedState().Select(s => s.Name).ToArray());
    }

    [TestMethod]
    public void ProjectionShortcutWhenStrideOrChannelsChange()
    {
        var block = new ResidualBlock(4, 8, stride: 2);
        var names = block.NamedState().Select(s => s.Name).ToArray();
        CollectionAssert.IsSubsetOf(new[] { "shortcut.0.weight", "shortcut.1.weight", "shortcut.1.bias", "shortcut.1.running_mean", "shortcut.1.running_var" }, names);
        CollectionAssert.AreEqual(new[] { 8, 4, 1, 1 }, block.Shortcut!.Layers[0].Parameters[0].Dims);
        Assert.IsNotNull(new ResidualBlock(4, 4, stride: 2).Shortcut);
        Assert.IsNotNull(new ResidualBlock(4, 6).Shortcut);
        Assert.AreEqual(new TensorShape(8, 4, 4), block.GetOutputShape(new TensorShape(4, 7, 7)));
    }

    [TestMethod]
    public void IdentityBlockAddsTheInput()
    {
        // With γ = 0 in bn2 the main path is β = 0, so the block computes relu(x).
        var block = new ResidualBlock(2, 2) { Context = GradientCheck.ReferenceContext };
        block.Bn2.Weight.Value.AsSpan().Clear();
        var x = GradientCheck.RandomTensor(2, new TensorShape(2, 3, 3), 1);
        var y = block.Forward(x, training: true);
        CollectionAssert.AreEqual(x.Span.ToArray().Select(v => MathF.Max(v, 0)).ToArray(), y.Span.ToArray());
    }

    [TestMethod]
    public void WrongChannelsAreAClearError()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new ResidualBlock(3, 8).GetOutputShape(new TensorShape(4, 8, 8)));
        StringAssert.Contains(ex.Message, "3 channels");
        StringAssert.Contains(ex.Message, "got 4");
    }

    [TestMethod]
    public void ContextAndGradientFlagReachTheChildren()
    {
        var block = new ResidualBlock(2, 4) { Context = GradientCheck.ReferenceContext, RequiresInputGradient = false };
        Assert.AreSame(GradientCheck.ReferenceContext, block.Conv1.Context);
        Assert.AreSame(GradientCheck.ReferenceContext, block.Shortcut!.Layers[0].Context);
        Assert.IsFalse(block.Conv1.RequiresInputGradient);
        Assert.IsFalse(block.Shortcut.Layers[0].RequiresInputGradient);
        Assert.IsTrue(block.Conv2.RequiresInputGradient);
        block.Forward(GradientCheck.RandomTensor(2, new TensorShape(2, 4, 4), 1), true);
        Assert.AreEqual(0, block.Backward(GradientCheck.RandomTensor(2, new TensorShape(4, 4, 4), 2)).Rows);
        Assert.IsTrue(block.Conv1.Weight.Gradient.Any(v => v != 0));
    }
}

using MLNetMarginLoss.Encoders;
using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Tests.Encoders;

[TestClass]
public sealed class EncoderTests
{
    private static long ParameterCount(Encoder e) => e.Network.AllParameters().Sum(p => (long)p.Length);

    [TestMethod]
    public void CnnIsTheSeedTutorialNetwork()
    {
        // PyTorch: Conv2d(1,32,3)=320, Conv2d(32,64,3)=18,496, Linear(9216,128)=1,179,776, Linear(128,3)=387.
        var cnn = Encoder.Build(new EncoderSpec { Kind = EncoderKind.Cnn, InputShape = new(1, 28, 28), EmbeddingSize = 3 }, new SeededRandom(0));
        Assert.AreEqual(320 + 18_496 + 1_179_776 + 387, ParameterCount(cnn));
        var x = new Tensor(4, new TensorShape(1, 28, 28));
        var y = cnn.Forward(x, training: false);
        Assert.AreEqual(4, y.Rows);
        Assert.AreEqual(3, y.RowSize);
    }

    [TestMethod]
    public void MlpIsTheBenchmarkNetwork()
    {
        // 784-512-256-128: 401,920 + 131,328 + 32,896 parameters.
        var mlp = Encoder.Build(new EncoderSpec(), new SeededRandom(0));
        Assert.AreEqual(401_920 + 131_328 + 32_896, ParameterCount(mlp));
    }

    [TestMethod]
    [DataRow(1, 28, 28)]
    [DataRow(3, 32, 32)]
    [DataRow(1, 64, 64)]
    public void ResNetHandlesImagesFrom28To64(int channels, int height, int width)
    {
        var resnet = Encoder.Build(new EncoderSpec { Kind = EncoderKind.ResNet, InputShape = new(channels, height, width), EmbeddingSize = 16, StageWidths = [8, 16] }, new SeededRandom(1));
        var x = new Tensor(3, new TensorShape(channels, height, width));
        var rnd = new SeededRandom(2);
        foreach (ref var v in x.Span) v = rnd.NextFloat();
        var y = resnet.Forward(x, training: true);
        Assert.AreEqual(16, y.RowSize);
        Assert.IsTrue(y.Span.ToArray().All(float.IsFinite));
        resnet.Backward(y); // shapes line up end to end
    }

    [TestMethod]
    public void FreezingMarksTheFirstLayersOnly()
    {
        var mlp = Encoder.Build(new EncoderSpec(), new SeededRandom(0));
        mlp.FreezeLayers(2);
        var linears = mlp.Network.Layers.OfType<MLNetMarginLoss.Engine.Layers.Linear>().ToList();
        Assert.IsTrue(linears[0].Weight.Frozen && linears[1].Weight.Frozen);
        Assert.IsFalse(linears[2].Weight.Frozen);
        Assert.AreEqual(32_896, mlp.TrainableParameterCount);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => mlp.FreezeLayers(4));
    }

    [TestMethod]
    public void InvalidSpecsAreRejectedClearly()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => Encoder.Build(new EncoderSpec { Kind = EncoderKind.Cnn, InputShape = TensorShape.Vector(20) }, new SeededRandom(0)));
        StringAssert.Contains(ex.Message, "use the MLP");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Encoder.Build(new EncoderSpec { EmbeddingSize = 0 }, new SeededRandom(0)));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Encoder.Build(new EncoderSpec { Dropout = 1f }, new SeededRandom(0)));
    }
}

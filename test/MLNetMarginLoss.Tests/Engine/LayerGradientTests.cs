using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Layers;

namespace MLNetMarginLoss.Tests.Engine;

/// <summary>Finite-difference gradient checks of every layer, and of the checker itself.</summary>
[TestClass]
public sealed class LayerGradientTests
{
    private static TensorShape Image(int c, int h, int w) => new(c, h, w);

    private static T Initialized<T>(T layer, int seed = 3) where T : Layer
    {
        layer.Initialize(new SeededRandom(seed));
        return layer;
    }

    // A deliberately wrong layer: delegates to a real one and then spoils one gradient entry a little.
    private sealed class SpoiledGradient(Layer inner, bool spoilInput) : Layer
    {
        public override IReadOnlyList<Parameter> Parameters => inner.Parameters;
        public override TensorShape GetOutputShape(TensorShape input) => inner.GetOutputShape(input);
        public override Tensor Forward(Tensor input, bool training) { inner.Context = Context; return inner.Forward(input, training); }

        public override Tensor Backward(Tensor outputGradient)
        {
            inner.RequiresInputGradient = RequiresInputGradient;
            var dx = inner.Backward(outputGradient);
            if (spoilInput && dx.Rows > 0) dx.Span[3] *= 1.05f;
            if (!spoilInput) inner.Parameters[0].Gradient[5] += 0.05f * inner.Parameters[0].Gradient.Max(MathF.Abs);
            return dx;
        }
    }

    [TestMethod]
    public void CheckerDetectsASpoiledInputGradient()
    {
        var input = GradientCheck.RandomTensor(3, TensorShape.Vector(6), 1);
        var honest = GradientCheck.Run(Initialized(new Linear(6, 4)), input);
        var spoiled = GradientCheck.Run(new SpoiledGradient(Initialized(new Linear(6, 4)), spoilInput: true), input);
        Assert.IsLessThan(1e-3, honest.MaxError, honest.ToString());
        Assert.IsGreaterThan(GradientCheck.Tolerance, spoiled.InputError, spoiled.ToString());
        Assert.IsLessThan(1e-3, spoiled.ParameterError("weight"), spoiled.ToString());
    }

    [TestMethod]
    public void CheckerDetectsASpoiledParameterGradient()
    {
        var input = GradientCheck.RandomTensor(2, Image(2, 4, 4), 2);
        var spoiled = GradientCheck.Run(new SpoiledGradient(Initialized(new Conv2d(2, 3, 3)), spoilInput: false), input);
        Assert.IsGreaterThan(GradientCheck.Tolerance, spoiled.ParameterError("weight"), spoiled.ToString());
        Assert.IsLessThan(1e-3, spoiled.InputError, spoiled.ToString());
    }

    // A layer that adds its gradients to the old ones instead of overwriting them.
    private sealed class AccumulatingGradient(Layer inner) : Layer
    {
        public override IReadOnlyList<Parameter> Parameters => inner.Parameters;
        public override TensorShape GetOutputShape(TensorShape input) => inner.GetOutputShape(input);
        public override Tensor Forward(Tensor input, bool training) { inner.Context = Context; return inner.Forward(input, training); }

        public override Tensor Backward(Tensor outputGradient)
        {
            inner.RequiresInputGradient = RequiresInputGradient;
            var old = inner.Parameters.Select(p => (float[])p.Gradient.Clone()).ToList();
            var dx = inner.Backward(outputGradient);
            for (int i = 0; i < old.Count; i++)
                System.Numerics.Tensors.TensorPrimitives.Add(inner.Parameters[i].Gradient, old[i], inner.Parameters[i].Gradient);
            return dx;
        }
    }

    [TestMethod]
    public void CheckerDetectsAccumulatingParameterGradients()
    {
        var report = GradientCheck.Run(new AccumulatingGradient(Initialized(new Linear(3, 2))), GradientCheck.RandomTensor(2, TensorShape.Vector(3), 4));
        Assert.IsTrue(double.IsPositiveInfinity(report.ParameterError("weight")), report.ToString());
        Assert.IsLessThan(1e-3, report.InputError, report.ToString());
    }

    [TestMethod]
    public void Linear() => GradientCheck.AssertPasses(Initialized(new Linear(7, 5)), GradientCheck.RandomTensor(4, TensorShape.Vector(7), 5));

    [TestMethod]
    public void LinearWithoutBiasOnImageInput()
        => GradientCheck.AssertPasses(Initialized(new Linear(18, 3, bias: false)), GradientCheck.RandomTensor(2, Image(2, 3, 3), 6));

    [TestMethod]
    public void ReLU() => GradientCheck.AssertPasses(new ReLU(), GradientCheck.DistinctTensor(3, Image(2, 3, 3), 7));

    [TestMethod]
    public void Flatten() => GradientCheck.AssertPasses(new Flatten(), GradientCheck.RandomTensor(2, Image(3, 2, 2), 8));

    [TestMethod]
    public void Sequential()
    {
        var net = new Sequential(new Conv2d(2, 3, 3, padding: 1), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(12, 4));
        net.Initialize(new SeededRandom(9));
        var report = GradientCheck.AssertPasses(net, GradientCheck.DistinctTensor(2, Image(2, 4, 4), 9));
        CollectionAssert.AreEquivalent(new[] { "input", "0.weight", "0.bias", "4.weight", "4.bias" }, report.Errors.Select(e => e.Name).ToArray());
    }

    [TestMethod]
    [DataRow(1, 0, 5, 5, DisplayName = "stride 1, no padding, 5×5")]
    [DataRow(1, 1, 5, 4, DisplayName = "stride 1, padding 1, 5×4")]
    [DataRow(1, 3, 2, 3, DisplayName = "stride 1, padding 3, 2×3 (rows and columns entirely in padding)")]
    [DataRow(2, 0, 7, 7, DisplayName = "stride 2, no padding, 7×7")]
    [DataRow(2, 1, 6, 5, DisplayName = "stride 2, padding 1, 6×5")]
    [DataRow(3, 2, 5, 7, DisplayName = "stride 3, padding 2, 5×7")]
    public void Conv2d(int stride, int padding, int height, int width)
    {
        var conv = Initialized(new Conv2d(3, 4, 3, stride, padding));
        GradientCheck.AssertPasses(conv, GradientCheck.RandomTensor(3, Image(3, height, width), 10 + stride + padding));
    }

    [TestMethod]
    public void Conv2dOneSamplePerChunkWithoutBias()
    {
        var conv = Initialized(new Conv2d(2, 3, 2, bias: false)) ;
        conv.TargetChunkColumns = 1;
        GradientCheck.AssertPasses(conv, GradientCheck.RandomTensor(3, Image(2, 4, 3), 11));
    }

    [TestMethod]
    public void Conv2dOneByOneStrideTwo()
        => GradientCheck.AssertPasses(Initialized(new Conv2d(3, 2, 1, stride: 2)), GradientCheck.RandomTensor(2, Image(3, 5, 5), 12));

    [TestMethod]
    public void MaxPool2d() => GradientCheck.AssertPasses(new MaxPool2d(2), GradientCheck.DistinctTensor(2, Image(3, 5, 4), 13));

    [TestMethod]
    public void MaxPool2dOverlappingWindows()
        => GradientCheck.AssertPasses(new MaxPool2d(3, stride: 2), GradientCheck.DistinctTensor(2, Image(2, 7, 6), 14));

    [TestMethod]
    public void AvgPool2d() => GradientCheck.AssertPasses(new AvgPool2d(2), GradientCheck.RandomTensor(2, Image(2, 5, 4), 15));

    [TestMethod]
    public void GlobalAvgPool2d() => GradientCheck.AssertPasses(new GlobalAvgPool2d(), GradientCheck.RandomTensor(3, Image(4, 3, 2), 16));

    [TestMethod]
    public void PReLUShared()
    {
        var prelu = new PReLU();
        prelu.Weight.Value[0] = 0.3f;
        GradientCheck.AssertPasses(prelu, GradientCheck.DistinctTensor(3, Image(2, 2, 3), 17));
    }

    [TestMethod]
    public void PReLUPerChannel()
    {
        var prelu = new PReLU(3);
        prelu.Weight.Value.AsSpan().CopyTo(new float[3]);
        new float[] { 0.1f, -0.2f, 0.7f }.CopyTo(prelu.Weight.Value, 0);
        GradientCheck.AssertPasses(prelu, GradientCheck.DistinctTensor(2, Image(3, 2, 2), 18));
    }

    private static T WithAffine<T>(T bn, int seed) where T : BatchNorm
    {
        var random = new SeededRandom(seed);
        foreach (ref var v in bn.Weight.Value.AsSpan()) v = random.Uniform(0.5f, 1.5f);
        foreach (ref var v in bn.Bias.Value.AsSpan()) v = random.Uniform(-0.5f, 0.5f);
        return bn;
    }

    [TestMethod]
    public void BatchNorm1dTraining()
        => GradientCheck.AssertPasses(WithAffine(new BatchNorm1d(5), 19), GradientCheck.RandomTensor(6, TensorShape.Vector(5), 19));

    [TestMethod]
    public void BatchNorm2dTraining()
        => GradientCheck.AssertPasses(WithAffine(new BatchNorm2d(3), 20), GradientCheck.RandomTensor(2, Image(3, 3, 2), 20));

    [TestMethod]
    public void BatchNorm2dInference()
    {
        var bn = WithAffine(new BatchNorm2d(3), 21);
        new float[] { 0.2f, -0.1f, 0.5f }.CopyTo(bn.RunningMean.Value, 0);
        new float[] { 0.5f, 2f, 1.5f }.CopyTo(bn.RunningVar.Value, 0);
        GradientCheck.AssertPasses(bn, GradientCheck.RandomTensor(2, Image(3, 2, 2), 21), training: false);
    }

    [TestMethod]
    public void DropoutWithAFixedMask()
    {
        var dropout = new Dropout(0.4);
        GradientCheck.AssertPasses(dropout, GradientCheck.RandomTensor(4, TensorShape.Vector(10), 22),
            beforeForward: () => dropout.Initialize(new SeededRandom(22)));
    }

    // The block chains two batch norms and two ReLUs, all evaluated in float: the finite differences carry
    // rounding noise of about 1e-6 in the loss (÷ 2h) and batch-norm curvature, which puts honest blocks at
    // 0.5–2.5 % on the worst element (measured over 24 seeds); a wiring error (a missing shortcut or ReLU
    // gradient) is off by tens of percent. Each layer inside is checked at the default 1 % on its own above.
    private const double BlockTolerance = 3e-2;

    [TestMethod]
    public void ResidualBlockIdentityShortcut()
    {
        var block = Initialized(new ResidualBlock(3, 3), 23);
        Assert.IsNull(block.Shortcut);
        GradientCheck.AssertPasses(block, GradientCheck.RandomTensor(3, Image(3, 4, 4), 23), tolerance: BlockTolerance);
    }

    [TestMethod]
    public void ResidualBlockProjectionShortcut()
    {
        var block = Initialized(new ResidualBlock(2, 4, stride: 2), 24);
        Assert.IsNotNull(block.Shortcut);
        GradientCheck.AssertPasses(block, GradientCheck.RandomTensor(3, Image(2, 5, 5), 24), tolerance: BlockTolerance);
    }
}

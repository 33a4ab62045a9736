using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Kernels;
using MLNetMarginLoss.Engine.Layers;

namespace MLNetMarginLoss.Tests.Engine;

[TestClass]
public sealed class Conv2dTests
{
    private static Tensor Tensor(int rows, TensorShape shape, params float[] values)
    {
        var t = new Tensor(rows, shape);
        values.CopyTo(t.Data, 0);
        return t;
    }

    [TestMethod]
    public void TwoByTwoKernelOnThreeByThreeImage()
    {
        var conv = new Conv2d(1, 1, 2) { Context = GradientCheck.ReferenceContext };
        new float[] { 1, 2, 3, 4 }.CopyTo(conv.Weight.Value, 0);
        conv.Bias!.Value[0] = 0.5f;
        var y = conv.Forward(Tensor(1, new TensorShape(1, 3, 3), 1, 2, 3, 4, 5, 6, 7, 8, 9), training: false);
        Assert.AreEqual(new TensorShape(1, 2, 2), y.Shape);
        // out[0,0] = 1·1 + 2·2 + 3·4 + 4·5 = 37, out[0,1] = 1·2 + 2·3 + 3·5 + 4·6 = 47, …
        CollectionAssert.AreEqual(new[] { 37.5f, 47.5f, 67.5f, 77.5f }, y.Span.ToArray());
    }

    [TestMethod]
    public void PaddingAndStrideTwoWithTwoChannels()
    {
        // All-ones 3×3 kernels, padding 1, stride 2 on a 3×3 image: windows centred on the four corners.
        // Output channel 0 reads input channel 0 only, output channel 1 reads both (channel 1 = 10 × channel 0).
        var conv = new Conv2d(2, 2, 3, stride: 2, padding: 1, bias: false);
        var w = conv.Weight.Value;
        Array.Clear(w);
        for (int i = 0; i < 9; i++) { w[i] = 1; w[18 + i] = 1; w[27 + i] = 1; }
        var x = Tensor(1, new TensorShape(2, 3, 3), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 30, 40, 50, 60, 70, 80, 90);
        var y = conv.Forward(x, training: false);
        Assert.AreEqual(new TensorShape(2, 2, 2), y.Shape);
        // Corner sums: (1+2+4+5) = 12, (2+3+5+6) = 16, (4+5+7+8) = 24, (5+6+8+9) = 28; channel 1 adds ten times that.
        CollectionAssert.AreEqual(new[] { 12f, 16, 24, 28, 132, 176, 264, 308 }, y.Span.ToArray());
    }

    // A direct, obviously correct convolution in double.
    private static double[] Direct(Conv2d conv, Tensor x)
    {
        var s = x.Shape;
        int k = conv.KernelSize, st = conv.Stride, p = conv.Padding;
        int oh = (s.Height + 2 * p - k) / st + 1, ow = (s.Width + 2 * p - k) / st + 1;
        var y = new double[x.Rows * conv.OutChannels * oh * ow];
        for (int n = 0; n < x.Rows; n++)
        for (int o = 0; o < conv.OutChannels; o++)
        for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++)
        {
            double sum = conv.Bias?.Value[o] ?? 0;
            for (int c = 0; c < s.Channels; c++)
            for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++)
            {
                int r = i * st - p + a, q = j * st - p + b;
                if (r < 0 || r >= s.Height || q < 0 || q >= s.Width) continue;
                sum += (double)conv.Weight.Value[((o * s.Channels + c) * k + a) * k + b] * x.Data[((n * s.Channels + c) * s.Height + r) * s.Width + q];
            }
            y[((n * conv.OutChannels + o) * oh + i) * ow + j] = sum;
        }
        return y;
    }

    [TestMethod]
    [DataRow(3, 5, 3, 1, 0, 9, 9, 1, DisplayName = "3→5, 3×3, stride 1, 9×9, one sample per chunk")]
    [DataRow(4, 6, 3, 1, 1, 11, 7, 4096, DisplayName = "4→6, 3×3, padding 1, 11×7, one chunk")]
    [DataRow(2, 3, 5, 2, 2, 13, 12, 50, DisplayName = "2→3, 5×5, stride 2, padding 2, 13×12")]
    [DataRow(5, 4, 1, 3, 0, 10, 10, 30, DisplayName = "5→4, 1×1, stride 3, 10×10")]
    [DataRow(1, 2, 4, 3, 3, 6, 8, 20, DisplayName = "1→2, 4×4, stride 3, padding 3 (windows entirely in padding)")]
    [DataRow(2, 3, 2, 1, 3, 5, 6, 30, DisplayName = "2→3, 2×2, stride 1, padding 3 (rows and columns entirely in padding)")]
    [DataRow(3, 4, 3, 1, 0, 20, 20, 1, DisplayName = "3→4, 3×3, stride 1, 20×20 (full-width rows of 18)")]
    public void MatchesADirectConvolutionOnEveryGemm(int inC, int outC, int k, int stride, int pad, int h, int w, int chunkColumns)
    {
        var x = GradientCheck.RandomTensor(5, new TensorShape(inC, h, w), inC * 100 + k);
        foreach (var provider in new[] { GemmProvider.Reference, GemmProvider.OpenBlas, GemmProvider.Managed })
        {
            using var context = ComputeContext.Create(provider, 2);
            var conv = new Conv2d(inC, outC, k, stride, pad) { Context = context, TargetChunkColumns = chunkColumns };
            conv.Initialize(new SeededRandom(k + stride));
            var expected = Direct(conv, x);
            var y = conv.Forward(x, training: true);
            Assert.AreEqual(expected.Length, y.Length);
            for (int i = 0; i < expected.Length; i++)
                Assert.AreEqual(expected[i], y.Data[i], 1e-5, $"{provider}: element {i}");
        }
    }

    [TestMethod]
    public void OpenBlasAndReferenceGemmAgreeForwardAndBackward()
    {
        var x = GradientCheck.RandomTensor(6, new TensorShape(8, 12, 12), 1);
        var dy = GradientCheck.RandomTensor(6, new TensorShape(16, 12, 12), 2);
        var results = new List<(float[] Y, float[] Dx, float[] Dw, float[] Db)>();
        foreach (var provider in new[] { GemmProvider.Reference, GemmProvider.OpenBlas })
        {
            using var context = ComputeContext.Create(provider, 2);
            var conv = new Conv2d(8, 16, 3, padding: 1) { Context = context, TargetChunkColumns = 300 };
            conv.Initialize(new SeededRandom(5));
            var y = conv.Forward(x, training: true).Span.ToArray();
            var dx = conv.Backward(dy).Span.ToArray();
            results.Add((y, dx, (float[])conv.Weight.Gradient.Clone(), (float[])conv.Bias!.Gradient.Clone()));
        }
        var (r, b) = (results[0], results[1]);
        AssertClose(r.Y, b.Y, "output");
        AssertClose(r.Dx, b.Dx, "input gradient");
        AssertClose(r.Dw, b.Dw, "weight gradient");
        AssertClose(r.Db, b.Db, "bias gradient");
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.HasCount(expected.Length, actual);
        double scale = expected.Max(MathF.Abs);
        for (int i = 0; i < expected.Length; i++)
            Assert.AreEqual(expected[i], actual[i], 1e-5 * scale + 1e-6, $"{what} {i}");
    }

    [TestMethod]
    public void ChunkingDoesNotChangeResults()
    {
        var x = GradientCheck.RandomTensor(7, new TensorShape(3, 9, 8), 3);
        var dy = GradientCheck.RandomTensor(7, new TensorShape(4, 9, 8), 4);
        float[]? firstY = null, firstDx = null, firstDw = null;
        foreach (int columns in new[] { 1, 150, 100_000 })
        {
            var conv = new Conv2d(3, 4, 3, padding: 1) { Context = GradientCheck.ReferenceContext, TargetChunkColumns = columns };
            conv.Initialize(new SeededRandom(6));
            var y = conv.Forward(x, training: true).Span.ToArray();
            var dx = conv.Backward(dy).Span.ToArray();
            var dw = (float[])conv.Weight.Gradient.Clone();
            if (firstY is null) { firstY = y; firstDx = dx; firstDw = dw; continue; }
            AssertClose(firstY, y, $"output ({columns} columns)");
            AssertClose(firstDx!, dx, $"input gradient ({columns} columns)");
            AssertClose(firstDw!, dw, $"weight gradient ({columns} columns)");
        }
    }

    private static (float[] Y, float[] Dx, float[] Dw, float[] Db) Step(ComputeContext context, Tensor x, Tensor dy, int chunkColumns)
    {
        var conv = new Conv2d(x.Shape.Channels, dy.Shape.Channels, 3, padding: 1) { Context = context, TargetChunkColumns = chunkColumns };
        conv.Initialize(new SeededRandom(8));
        var y = conv.Forward(x, training: true).Span.ToArray();
        var dx = conv.Backward(dy).Span.ToArray();
        return (y, dx, (float[])conv.Weight.Gradient.Clone(), (float[])conv.Bias!.Gradient.Clone());
    }

    [TestMethod]
    [DataRow(GemmProvider.Managed, 1, 100)]
    [DataRow(GemmProvider.Managed, 2, 100)]
    [DataRow(GemmProvider.Managed, 3, 100)]
    [DataRow(GemmProvider.Managed, 2, 1, DisplayName = "Managed, 2 threads, one sample per chunk")]
    [DataRow(GemmProvider.Reference, 2, 100)]
    [DataRow(GemmProvider.OpenBlas, 2, 100)]
    public void EveryProviderAndThreadCountMatchesTheReferenceOnOneThread(GemmProvider provider, int threads, int chunkColumns)
    {
        // 7 samples: shares of 3 and 4 (or 2, 2, 3) samples, each in chunks of at most 3 samples (100 columns) or of one.
        var x = GradientCheck.RandomTensor(7, new TensorShape(5, 7, 7), 9);
        var dy = GradientCheck.RandomTensor(7, new TensorShape(6, 7, 7), 10);
        var expected = Step(GradientCheck.ReferenceContext, x, dy, 100);
        using var context = ComputeContext.Create(provider, threads);
        var actual = Step(context, x, dy, chunkColumns);
        AssertClose(expected.Y, actual.Y, "output");
        AssertClose(expected.Dx, actual.Dx, "input gradient");
        AssertClose(expected.Dw, actual.Dw, "weight gradient");
        AssertClose(expected.Db, actual.Db, "bias gradient");
    }

    [TestMethod]
    public void SplittingSamplesOverThreadsIsDeterministic()
    {
        var x = GradientCheck.RandomTensor(9, new TensorShape(6, 10, 10), 11);
        var dy = GradientCheck.RandomTensor(9, new TensorShape(8, 10, 10), 12);
        using var one = ComputeContext.Create(GemmProvider.Managed, 1);
        using var two = ComputeContext.Create(GemmProvider.Managed, 2);
        var single = Step(one, x, dy, 200);
        var first = Step(two, x, dy, 200);
        // One thread against two: the weight gradient is summed in a different grouping, so only close.
        AssertClose(single.Y, first.Y, "output");
        AssertClose(single.Dx, first.Dx, "input gradient");
        AssertClose(single.Dw, first.Dw, "weight gradient");
        AssertClose(single.Db, first.Db, "bias gradient");
        // Two threads again, on the same layer twice and on a fresh one: the same bits.
        var conv = new Conv2d(6, 8, 3, padding: 1) { Context = two, TargetChunkColumns = 200 };
        conv.Initialize(new SeededRandom(8));
        for (int run = 0; run < 2; run++)
        {
            CollectionAssert.AreEqual(first.Y, conv.Forward(x, training: true).Span.ToArray(), $"output, run {run}");
            CollectionAssert.AreEqual(first.Dx, conv.Backward(dy).Span.ToArray(), $"input gradient, run {run}");
            CollectionAssert.AreEqual(first.Dw, conv.Weight.Gradient, $"weight gradient, run {run}");
            CollectionAssert.AreEqual(first.Db, conv.Bias!.Gradient, $"bias gradient, run {run}");
        }
    }

    [TestMethod]
    public void FewerSamplesThanThreadsAndWithoutInputGradient()
    {
        var x = GradientCheck.RandomTensor(1, new TensorShape(2, 6, 6), 13);
        var dy = GradientCheck.RandomTensor(1, new TensorShape(3, 6, 6), 14);
        var expected = Step(GradientCheck.ReferenceContext, x, dy, 9216);
        using var context = ComputeContext.Create(GemmProvider.Managed, 2);
        var actual = Step(context, x, dy, 9216);
        AssertClose(expected.Y, actual.Y, "output");
        AssertClose(expected.Dw, actual.Dw, "weight gradient");
        AssertClose(expected.Dx, actual.Dx, "input gradient");

        var conv = new Conv2d(2, 3, 3, padding: 1) { Context = context, RequiresInputGradient = false };
        conv.Initialize(new SeededRandom(8));
        conv.Forward(x, true);
        Assert.AreEqual(0, conv.Backward(dy).Rows);
        AssertClose(expected.Dw, conv.Weight.Gradient, "weight gradient without input gradient");
    }

    [TestMethod]
    public void InitialisationFollowsPyTorch()
    {
        var conv = new Conv2d(4, 8, 3);
        conv.Initialize(new SeededRandom(1));
        float bound = 1f / MathF.Sqrt(4 * 3 * 3);
        CollectionAssert.AreEqual(new[] { 8, 4, 3, 3 }, conv.Weight.Dims);
        CollectionAssert.AreEqual(new[] { 8 }, conv.Bias!.Dims);
        Assert.IsTrue(conv.Weight.Value.All(v => MathF.Abs(v) <= bound));
        Assert.IsGreaterThan(0.8f * bound, conv.Weight.Value.Max(MathF.Abs));
        Assert.IsTrue(conv.Bias.Value.All(v => MathF.Abs(v) <= bound));
        Assert.IsTrue(conv.Bias.NoWeightDecay);
        Assert.IsFalse(conv.Weight.NoWeightDecay);
        CollectionAssert.AreEqual(new[] { "weight", "bias" }, conv.NamedState().Select(s => s.Name).ToArray());
        Assert.HasCount(1, new Conv2d(4, 8, 3, bias: false).Parameters);
    }

    [TestMethod]
    public void OutputShapes()
    {
        Assert.AreEqual(new TensorShape(32, 26, 26), new Conv2d(1, 32, 3).GetOutputShape(new TensorShape(1, 28, 28)));
        Assert.AreEqual(new TensorShape(8, 14, 14), new Conv2d(3, 8, 3, 2, 1).GetOutputShape(new TensorShape(3, 28, 28)));
        Assert.AreEqual(new TensorShape(8, 3, 4), new Conv2d(3, 8, 1, 2).GetOutputShape(new TensorShape(3, 5, 7)));
    }

    [TestMethod]
    public void WrongChannelCountIsAClearError()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new Conv2d(3, 8, 3).Forward(new Tensor(2, new TensorShape(1, 28, 28)), true));
        StringAssert.Contains(ex.Message, "3 channels");
        StringAssert.Contains(ex.Message, "got 1");
    }

    [TestMethod]
    public void InputSmallerThanTheKernelIsAClearError()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new Conv2d(1, 2, 5).GetOutputShape(new TensorShape(1, 4, 9)));
        StringAssert.Contains(ex.Message, "5×5");
        StringAssert.Contains(ex.Message, "[1×4×9]");
    }

    [TestMethod]
    public void BackwardWithoutInputGradientStillFillsParameterGradients()
    {
        var conv = new Conv2d(2, 3, 3) { Context = GradientCheck.ReferenceContext, RequiresInputGradient = false };
        conv.Forward(GradientCheck.RandomTensor(2, new TensorShape(2, 5, 5), 1), true);
        var dx = conv.Backward(GradientCheck.RandomTensor(2, new TensorShape(3, 3, 3), 2));
        Assert.AreEqual(0, dx.Rows);
        Assert.IsTrue(conv.Weight.Gradient.Any(v => v != 0));
    }

    [TestMethod]
    public void SteadyStateStepAllocatesNothing()
    {
        var conv = new Conv2d(4, 8, 3, padding: 1) { Context = GradientCheck.ReferenceContext, TargetChunkColumns = 100 };
        var x = GradientCheck.RandomTensor(4, new TensorShape(4, 6, 6), 1);
        var dy = GradientCheck.RandomTensor(4, new TensorShape(8, 6, 6), 2);
        conv.Forward(x, true); conv.Backward(dy);
        long before = GC.GetAllocatedBytesForCurrentThread();
        conv.Forward(x, true); conv.Backward(dy);
        Assert.AreEqual(0L, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [TestMethod]
    public void SteadyStateStepOnTwoThreadsAllocatesNothing()
    {
        using var context = ComputeContext.Create(GemmProvider.Managed, 2);
        var conv = new Conv2d(8, 16, 3, padding: 1) { Context = context, TargetChunkColumns = 200 };
        var x = GradientCheck.RandomTensor(6, new TensorShape(8, 12, 12), 1);
        var dy = GradientCheck.RandomTensor(6, new TensorShape(16, 12, 12), 2);
        conv.Forward(x, true); conv.Backward(dy);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        conv.Forward(x, true); conv.Backward(dy);
        Assert.AreEqual(0L, GC.GetTotalAllocatedBytes(precise: true) - before);
    }
}

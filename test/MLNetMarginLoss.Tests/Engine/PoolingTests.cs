using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Layers;

namespace MLNetMarginLoss.Tests.Engine;

[TestClass]
public sealed class PoolingTests
{
    private static Tensor Tensor(int rows, TensorShape shape, params float[] values)
    {
        var t = new Tensor(rows, shape);
        values.CopyTo(t.Data, 0);
        return t;
    }

    private static readonly float[] Grid =
    [
        1, 5, 2, 0,
        3, 4, 8, 8,
        -1, -2, 6, 7,
        -4, -3, 9, 6,
    ];

    [TestMethod]
    public void MaxPoolTakesWindowMaximaAndRoutesGradientsToThem()
    {
        var pool = new MaxPool2d(2);
        var y = pool.Forward(Tensor(1, new TensorShape(1, 4, 4), Grid), training: true);
        Assert.AreEqual(new TensorShape(1, 2, 2), y.Shape);
        CollectionAssert.AreEqual(new[] { 5f, 8, -1, 9 }, y.Span.ToArray());
        var dx = pool.Backward(Tensor(1, new TensorShape(1, 2, 2), 10, 20, 30, 40));
        // The tie (8, 8) goes to the first one; every other position gets 0.
        CollectionAssert.AreEqual(new[] { 0f, 10, 0, 0, 0, 0, 20, 0, 30, 0, 0, 0, 0, 0, 40, 0 }, dx.Span.ToArray());
    }

    [TestMethod]
    public void MaxPoolFloorsOddSizesAndHandlesChannelsAndSamples()
    {
        // 2 samples × 2 channels of 3×3; 2×2 windows, stride 2 → one window per plane (last row/column dropped).
        var values = Enumerable.Range(0, 36).Select(i => (float)((i * 7) % 11)).ToArray();
        var pool = new MaxPool2d(2);
        var y = pool.Forward(Tensor(2, new TensorShape(2, 3, 3), values), training: false);
        Assert.AreEqual(new TensorShape(2, 1, 1), y.Shape);
        var expected = Enumerable.Range(0, 4).Select(p => new[] { 0, 1, 3, 4 }.Max(o => values[p * 9 + o])).ToArray();
        CollectionAssert.AreEqual(expected, y.Span.ToArray());
    }

    [TestMethod]
    public void MaxPoolWithStrideOneOverlaps()
    {
        var y = new MaxPool2d(3, stride: 1).Forward(Tensor(1, new TensorShape(1, 4, 4), Grid), training: false);
        CollectionAssert.AreEqual(new[] { 8f, 8, 9, 9 }, y.Span.ToArray());
    }

    [TestMethod]
    [DataRow(2, 2, DisplayName = "2×2 stride 2 (vectorised path)")]
    [DataRow(3, 2, DisplayName = "3×3 stride 2 (general path)")]
    public void MaxPoolMatchesADirectLoopWithTiesAndNaNOnWideRows(int kernel, int stride)
    {
        // Values from a small set so that windows contain ties; a few NaNs. 21 columns → 10 outputs per row.
        var random = new SeededRandom(kernel);
        var shape = new TensorShape(2, 9, 21);
        var x = new Tensor(3, shape);
        foreach (ref var v in x.Span) v = random.NextInt(50) == 0 ? float.NaN : random.NextInt(5);
        var pool = new MaxPool2d(kernel, stride);
        var y = pool.Forward(x, training: true);
        var dy = new Tensor(y.Rows, y.Shape);
        for (int i = 0; i < dy.Length; i++) dy.Span[i] = i + 1;
        var dx = pool.Backward(dy).Span.ToArray();

        int oh = y.Shape.Height, ow = y.Shape.Width;
        var expectedDx = new float[x.Length];
        for (int plane = 0; plane < 6; plane++)
        for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++)
        {
            int best = -1;
            float max = float.NegativeInfinity;
            for (int a = 0; a < kernel; a++)
            for (int b = 0; b < kernel; b++)
            {
                int at = plane * 189 + (i * stride + a) * 21 + j * stride + b;
                float v = x.Data[at];
                if (best < 0 || v > max || float.IsNaN(v)) { max = v; best = at; }
            }
            int o = (plane * oh + i) * ow + j;
            Assert.AreEqual(max, y.Data[o], $"output {o}");
            expectedDx[best] += dy.Data[o];
        }
        CollectionAssert.AreEqual(expectedDx, dx);
    }

    [TestMethod]
    public void MaxPoolPropagatesNaN()
    {
        var y = new MaxPool2d(2).Forward(Tensor(1, new TensorShape(1, 2, 2), 1, float.NaN, 3, 2), training: false);
        Assert.IsTrue(float.IsNaN(y.Span[0]));
    }

    [TestMethod]
    public void MaxPoolRejectsInputsSmallerThanTheWindow()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new MaxPool2d(3).GetOutputShape(new TensorShape(4, 2, 5)));
        StringAssert.Contains(ex.Message, "MaxPool2d(3×3");
        StringAssert.Contains(ex.Message, "[4×2×5]");
    }

    [TestMethod]
    public void GlobalAveragePoolAveragesEachChannel()
    {
        var pool = new GlobalAvgPool2d();
        var y = pool.Forward(Tensor(2, new TensorShape(2, 1, 3), 1, 2, 3, 10, 20, 60, -3, 0, 0, 4, 4, 4), training: true);
        Assert.AreEqual(TensorShape.Vector(2), y.Shape);
        CollectionAssert.AreEqual(new[] { 2f, 30, -1, 4 }, y.Span.ToArray());
        var dx = pool.Backward(Tensor(2, TensorShape.Vector(2), 3, 6, 9, -3));
        CollectionAssert.AreEqual(new[] { 1f, 1, 1, 2, 2, 2, 3, 3, 3, -1, -1, -1 }, dx.Span.ToArray());
    }

    [TestMethod]
    public void AveragePoolAveragesWindows()
    {
        var y = new AvgPool2d(2).Forward(Tensor(1, new TensorShape(1, 4, 4), Grid), training: false);
        CollectionAssert.AreEqual(new[] { 13f / 4, 18f / 4, -10f / 4, 28f / 4 }, y.Span.ToArray());
    }
}

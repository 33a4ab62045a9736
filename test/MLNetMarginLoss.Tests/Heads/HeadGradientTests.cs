using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Heads;
using static MLNetMarginLoss.Tests.Heads.GradientChecker;
using static MLNetMarginLoss.Tests.Heads.HeadMath;

namespace MLNetMarginLoss.Tests.Heads;

/// <summary>Finite-difference checks of ∂L/∂x and ∂L/∂W for every head, L = softmax cross-entropy (+ auxiliary loss).</summary>
[TestClass]
public sealed class HeadGradientTests
{
    private sealed record Case(string Name, int E, int C, float[] X, int[] Labels);

    /// <summary>Random rows, 3 classes, E = 3.</summary>
    private static Case Generic()
    {
        var r = new SeededRandom(42);
        var x = Enumerable.Range(0, 5 * 3).Select(_ => r.Uniform(-1.5f, 1.5f)).ToArray();
        return new Case("generic", 3, 3, x, [0, 1, 2, 1, 0]);
    }

    /// <summary>Two classes, E = 3.</summary>
    private static Case TwoClasses()
    {
        var r = new SeededRandom(7);
        var x = Enumerable.Range(0, 4 * 3).Select(_ => r.Uniform(-1f, 1f)).ToArray();
        return new Case("two classes", 3, 2, x, [0, 1, 1, 0]);
    }

    /// <summary>
    /// E = 2 rows chosen against the centres <see cref="ExtremeWeights"/> (class 0 at 0 rad): cos θ_y ≈ +0.999,
    /// cos θ_y ≈ −0.999, θ_y = 2.9 (θ + 0.5 &gt; π: ArcFace's fallback) and an ordinary row.
    /// </summary>
    private static Case Extremes() => new("extremes", 2, 3,
        Rows(Polar(0.045, 1.2), Polar(Math.PI - 0.045, 0.9), Polar(2.9, 1.1), Polar(1.4, 0.8)), [0, 0, 0, 1]);

    private static float[] ExtremeWeights(int k = 1)
    {
        var angles = new[] { 0.0, 2.1, 4.2 };
        return Rows(angles.SelectMany(a => Enumerable.Range(0, k).Select(q => Polar(a + 0.9 * q, 1 + 0.2 * q))).ToArray());
    }

    private static float[] RandomWeights(int rows, int e, long seed)
    {
        var r = new SeededRandom(seed);
        return Enumerable.Range(0, rows * e).Select(_ => r.Uniform(-1f, 1f)).ToArray();
    }

    private static IEnumerable<(Case Case, float[] Weights)> Cases(int k = 1)
    {
        var g = Generic();
        yield return (g, RandomWeights(g.C * k, g.E, 1));
        var t = TwoClasses();
        yield return (t, RandomWeights(t.C * k, t.E, 2));
        yield return (Extremes(), ExtremeWeights(k));
    }

    private static void CheckAll(Func<int, int, MarginHead> create, int k = 1, Probe probe = Probe.TrainingFromSameState,
        Action<MarginHead>? beforeForward = null, double xScale = 1, bool tangentialOnly = false)
    {
        foreach (var (c, w) in Cases(k))
        {
            var head = create(c.E, c.C).WithWeights(w);
            var x = c.X.Select(v => (float)(v * xScale)).ToArray();
            var result = Check(head, x, c.Labels.Length, c.Labels, probe, beforeForward, tangentialInputGradientOnly: tangentialOnly);
            Assert.IsTrue(result.Passed, $"{head.Kind}, case {c.Name}: {result}");
        }
    }

    private static HeadOptions Options(double? margin = null) => new() { Scale = 6, Margin = margin };

    [TestMethod]
    public void Softmax() => CheckAll((e, c) => new SoftmaxHead(e, c));

    [TestMethod]
    public void NormSoftmax() => CheckAll((e, c) => TestHeads.NormSoftmax(e, c, Options()));

    [TestMethod]
    public void CosFace() => CheckAll((e, c) => TestHeads.CosFace(e, c, Options(0.35)));

    [TestMethod]
    public void ArcFace() => CheckAll((e, c) => TestHeads.ArcFace(e, c, Options(0.5)));

    [TestMethod]
    public void ArcFaceEasyMargin() => CheckAll((e, c) => TestHeads.ArcFace(e, c, new HeadOptions { Scale = 6, Margin = 0.5, EasyMargin = true }));

    [TestMethod]
    public void ArcFaceWithSubCentresOnEveryCosineHeadBase() => CheckAll((e, c) => TestHeads.ArcFace(e, c, new HeadOptions { Scale = 6, SubCenters = 2 }), k: 2);

    [TestMethod]
    public void SphereFaceEarlyAndLate()
    {
        CheckAll((e, c) => TestHeads.SphereFace(e, c, Options(4)));
        CheckAll((e, c) => TestHeads.SphereFace(e, c, new HeadOptions { Scale = 6, Margin = 3, LambdaBase = 1e-6, LambdaMin = 0 }));
        CheckAll((e, c) => TestHeads.SphereFace(e, c, new HeadOptions { Scale = 6, Margin = 4, LambdaBase = 2, LambdaMin = 0.5 }));
    }

    [TestMethod]
    public void CombinedMargin()
    {
        CheckAll((e, c) => TestHeads.Combined(e, c, new HeadOptions { Scale = 6 }));
        CheckAll((e, c) => TestHeads.Combined(e, c, new HeadOptions { Scale = 6, M1 = 1.3, M2 = 0.3, M3 = 0.15 }));
        CheckAll((e, c) => TestHeads.Combined(e, c, new HeadOptions { Scale = 6, M1 = 2, M2 = 0, M3 = 0 }));
    }

    [TestMethod]
    public void AdaCosWithTheScaleHeldConstant() => CheckAll((e, c) => TestHeads.AdaCos(e, c), probe: Probe.InferenceOnUpdatedState);

    [TestMethod]
    public void SubCenterArcFace() => CheckAll((e, c) => TestHeads.SubCenter(e, c, new HeadOptions { Scale = 6 }), k: 3);

    [TestMethod]
    public void CurricularFaceWithTHeldConstant()
    {
        CheckAll((e, c) =>
        {
            var h = TestHeads.Curricular(e, c, Options(0.5));
            h.Buffers[0].Value[0] = 0.3f;
            return h;
        }, probe: Probe.InferenceOnUpdatedState);
    }

    [TestMethod]
    public void MagFaceThroughTheMarginAndTheRegulariser()
    {
        var options = new HeadOptions { Scale = 6, LowerNorm = 0.5, UpperNorm = 2.5, LowerMargin = 0.3, UpperMargin = 0.7, RegularizerWeight = 2 };
        CheckAll((e, c) => TestHeads.MagFace(e, c, options), xScale: 1.3);
    }

    [TestMethod]
    public void AdaFaceWithStatisticsAndNormsHeldConstant()
    {
        CheckAll((e, c) =>
        {
            var h = TestHeads.AdaFace(e, c, new HeadOptions { Scale = 6, Momentum = 0.5 });
            h.Buffers[0].Value[0] = 1.2f;   // μ, σ near these features' norms so that the margins vary
            h.Buffers[1].Value[0] = 0.4f;
            return h;
        }, probe: Probe.InferenceOnUpdatedState, tangentialOnly: true);
    }

    [TestMethod]
    public void ElasticFaceWithTheSampledMarginsReplayed()
    {
        CheckAll((e, c) => TestHeads.ElasticFace(e, c, new HeadOptions { Scale = 6, MarginStd = 0.1 }),
            beforeForward: h => h.MarginAs<ElasticFaceMargin>().ReseedMargins(11));
        CheckAll((e, c) => TestHeads.ElasticFace(e, c, new HeadOptions { Scale = 6, ElasticCosine = true }),
            beforeForward: h => h.MarginAs<ElasticFaceMargin>().ReseedMargins(12));
    }

    [TestMethod]
    public void ClampedCosineGetsNoGradient()
    {
        // x lies exactly on its class centre: cos = 1 is clamped, so that entry passes no gradient, and the
        // finite differences agree (the clamp holds for perturbations of size h).
        var w = Rows(Polar(0.7, 1.3), Polar(2.5, 1), Polar(4.4, 0.6));
        var x = Rows(Polar(0.7, 2.0), Polar(3.0, 1.0));
        var head = TestHeads.ArcFace(2, 3, new HeadOptions { Scale = 6 }).WithWeights(w);
        var result = Check(head, x, 2, [0, 1]);
        Assert.IsTrue(result.Passed, result.ToString());
        // Row 0's gradient comes only from the non-target classes, so it is orthogonal to x̂... and non-zero.
        Assert.IsTrue(Math.Abs(result.Analytic[0]) + Math.Abs(result.Analytic[1]) > 1e-4);
    }

    [TestMethod]
    public void CosineWithinEpsilonOfOneIsClampedAndPassesNoGradient()
    {
        // θ_y = 5e-4 rad: cos θ_y = 1 − 1.25e-7 lies above the clamp 1 − 1e-6. Unclamped, ArcFace's
        // ∂φ/∂cos ≈ sin m/sin θ would be ≈ 960 there; the clamp makes the target constant, so ∂L/∂x comes from
        // the non-targets alone: Σ_{j≠y} s·g_j·(ŵ_j − cos θ_j·x̂)/‖x‖, and class 0's centre gets no gradient.
        var w = Rows(Polar(0.7, 1.3), Polar(2.5, 1), Polar(4.4, 0.6));
        var x = Polar(0.7 + 5e-4, 2.0);
        const double s = 6;
        var head = TestHeads.ArcFace(2, 3, new HeadOptions { Scale = s, Margin = 0.5 }).WithWeights(w);
        var logits = head.Forward(Tensor.FromRows(x, 1), [0], true);
        Assert.AreEqual(s * ArcTarget(1 - 1e-6, 0.5), logits.Row(0)[0], 1e-4);
        CrossEntropy(logits, [0], out var g);
        var dx = head.Backward(Tensor.FromRows(g.Select(v => (float)v).ToArray(), 1)).Span.ToArray();

        double nx = Norm(x, 0, 2);
        var expected = new double[2];
        for (int j = 1; j < 3; j++)
        {
            double c = Cos(x, 0, w, j, 2), nw = Norm(w, j, 2);
            for (int p = 0; p < 2; p++) expected[p] += s * g[j] * (w[j * 2 + p] / nw - c * x[p] / nx) / nx;
        }
        for (int p = 0; p < 2; p++) Assert.AreEqual(expected[p], dx[p], 1e-4 * (1 + Math.Abs(expected[p])), $"dx[{p}]");
        Assert.AreEqual(0f, head.WeightGradient()[0]);
        Assert.AreEqual(0f, head.WeightGradient()[1]);
    }

    [TestMethod]
    public void SubCentreTiesSendTheGradientToTheFirstCentreOnly()
    {
        // Class 0's two centres are identical: the max is a tie and the lowest index takes the gradient.
        var w = Rows(Polar(0.2, 1), Polar(0.2, 1), Polar(2.9, 1), Polar(4.5, 1));
        var x = Rows(Polar(0.9, 1.4), Polar(2.0, 0.8));
        int[] labels = [0, 1];
        var head = TestHeads.SubCenter(2, 2, new HeadOptions { Scale = 6, SubCenters = 2 }).WithWeights(w);
        var input = Tensor.FromRows(x, 2);
        var logits = head.Forward(input, labels, true);
        CrossEntropy(logits, labels, out var g);
        var dx = head.Backward(Tensor.FromRows(g.Select(v => (float)v).ToArray(), 2)).Span.ToArray();
        var dw = head.WeightGradient().ToArray();
        Assert.IsTrue(Math.Abs(dw[0]) + Math.Abs(dw[1]) > 1e-4, "the first tied centre receives the gradient");
        Assert.AreEqual(0f, dw[2]);
        Assert.AreEqual(0f, dw[3]);
        Assert.AreEqual(0f, dw[6], "class 1's far centre is never the max");
        Assert.AreEqual(0f, dw[7]);

        // The same gradient as a one-centre head with that centre.
        var single = TestHeads.ArcFace(2, 2, new HeadOptions { Scale = 6 }).WithWeights(Rows(Polar(0.2, 1), Polar(2.9, 1)));
        var logits1 = single.Forward(input, labels, true);
        AssertLogits(To2D(logits), logits1);
        CrossEntropy(logits1, labels, out var g1);
        var dx1 = single.Backward(Tensor.FromRows(g1.Select(v => (float)v).ToArray(), 2)).Span.ToArray();
        for (int i = 0; i < dx.Length; i++) Assert.AreEqual(dx1[i], dx[i], 1e-5);
        for (int i = 0; i < 2; i++) Assert.AreEqual(single.WeightGradient()[i], dw[i], 1e-5);
        for (int i = 0; i < 2; i++) Assert.AreEqual(single.WeightGradient()[2 + i], dw[4 + i], 1e-5);
    }

    private static double[,] To2D(Tensor t)
    {
        var a = new double[t.Rows, t.RowSize];
        for (int i = 0; i < t.Rows; i++)
        for (int j = 0; j < t.RowSize; j++) a[i, j] = t.Row(i)[j];
        return a;
    }
}

using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Heads;
using static MLNetMarginLoss.Tests.Heads.HeadMath;

namespace MLNetMarginLoss.Tests.Heads;

/// <summary>Training logits of every head against values computed here from angles, in double.</summary>
[TestClass]
public sealed class HeadForwardTests
{
    private const int E = 2, C = 3;
    private const double S = 5.0;

    // Class centres at 0, 2.0 and 4.0 rad with different norms (the heads must normalise them).
    private static readonly float[] W = Rows(Polar(0, 1.3), Polar(2.0, 0.8), Polar(4.0, 1.1));

    // θ_y = 0.3; θ_y = 2.9 (beyond π − 0.5: ArcFace falls back); θ_y = 0.8; θ_y ≈ 1.5; θ_y = 1.6.
    private static readonly float[] X = Rows(Polar(0.3, 1.5), Polar(2.9, 0.7), Polar(1.2, 2.0), Polar(5.5, 1.0), Polar(3.6, 0.9));
    private static readonly int[] Labels = [0, 0, 1, 2, 1];
    private static int N => Labels.Length;

    private static Tensor Input => Tensor.FromRows(X, N);

    private static double[,] Expected(Func<int, double, double> target, Func<int, int, double, double>? nonTarget = null, double s = S)
    {
        var cos = ClassCosines(X, N, W, C, E);
        var z = new double[N, C];
        for (int i = 0; i < N; i++)
        for (int j = 0; j < C; j++)
            z[i, j] = s * (j == Labels[i] ? target(i, cos[i, j]) : nonTarget?.Invoke(i, j, cos[i, j]) ?? cos[i, j]);
        return z;
    }

    [TestMethod]
    public void FixtureReachesArcFaceFallbackAndTheArcBranch()
    {
        var cos = ClassCosines(X, N, W, C, E);
        Assert.IsTrue(Math.Acos(cos[1, 0]) + 0.5 > Math.PI, "row 1 must exercise θ + m > π");
        Assert.IsTrue(Math.Acos(cos[0, 0]) + 0.5 < Math.PI, "row 0 must be on the arc branch");
    }

    [TestMethod]
    public void SoftmaxIsLinearPlusBias()
    {
        var head = new SoftmaxHead(E, C).WithWeights(W);
        head.Bias.Value[0] = 0.5f; head.Bias.Value[1] = -0.25f; head.Bias.Value[2] = 1f;
        var z = new double[N, C];
        for (int i = 0; i < N; i++)
        for (int j = 0; j < C; j++)
            z[i, j] = (double)X[2 * i] * W[2 * j] + (double)X[2 * i + 1] * W[2 * j + 1] + head.Bias.Value[j];
        AssertLogits(z, head.Forward(Input, Labels, true), what: "softmax");
        AssertLogits(z, head.Predict(Input), what: "softmax predict");
    }

    [TestMethod]
    public void NormSoftmaxIsScaledCosine()
    {
        var head = TestHeads.NormSoftmax(E, C, new HeadOptions { Scale = S }).WithWeights(W);
        AssertLogits(Expected((_, c) => c), head.Forward(Input, Labels, true));
    }

    [TestMethod]
    public void CosFaceSubtractsTheMarginFromTheTargetCosine()
    {
        var head = TestHeads.CosFace(E, C, new HeadOptions { Scale = S, Margin = 0.35 }).WithWeights(W);
        AssertLogits(Expected((_, c) => c - 0.35), head.Forward(Input, Labels, true));
    }

    [TestMethod]
    public void ArcFaceAddsTheAngleAndFallsBackBeyondPi()
    {
        var head = TestHeads.ArcFace(E, C, new HeadOptions { Scale = S, Margin = 0.5 }).WithWeights(W);
        var z = head.Forward(Input, Labels, true);
        AssertLogits(Expected((_, c) => ArcTarget(c, 0.5)), z);
        // Row 1 (θ = 2.9): cos θ − m·sin m, not cos(θ + m).
        double c1 = ClassCosines(X, N, W, C, E)[1, 0];
        Assert.AreEqual(S * (c1 - 0.5 * Math.Sin(0.5)), z.Row(1)[0], 1e-4);
    }

    [TestMethod]
    public void ArcFaceEasyMarginLeavesNegativeCosinesAlone()
    {
        var head = TestHeads.ArcFace(E, C, new HeadOptions { Scale = S, Margin = 0.5, EasyMargin = true }).WithWeights(W);
        AssertLogits(Expected((_, c) => c > 0 ? Math.Cos(Math.Acos(c) + 0.5) : c), head.Forward(Input, Labels, true));
    }

    [TestMethod]
    public void ArcFaceStraightThroughHasTheSameLogits()
    {
        var head = TestHeads.ArcFace(E, C, new HeadOptions { Scale = S, Margin = 0.5, StraightThrough = true }).WithWeights(W);
        AssertLogits(Expected((_, c) => ArcTarget(c, 0.5)), head.Forward(Input, Labels, true));
    }

    [TestMethod]
    public void SphereFaceBlendsPsiWithLambdaOfTheIteration()
    {
        foreach (int m in new[] { 1, 2, 3, 4 })
        {
            var head = TestHeads.SphereFace(E, C, new HeadOptions { Scale = S, Margin = m }).WithWeights(W);
            double Psi(double c)
            {
                double theta = Math.Acos(c);
                int k = (int)Math.Floor(m * theta / Math.PI);
                return Math.Pow(-1, k) * Math.Cos(m * theta) - 2 * k;
            }
            for (int iteration = 0; iteration < 3; iteration++)
            {
                double lambda = Math.Max(5, 1000 / (1 + 0.12 * iteration));
                var z = head.Forward(Input, Labels, true);
                AssertLogits(Expected((_, c) => (lambda * c + Psi(c)) / (1 + lambda)), z, what: $"m={m} iteration {iteration}");
                Assert.AreEqual(lambda, head.MarginAs<SphereFaceMargin>().Lambda, 1e-9);
            }
            Assert.AreEqual(3, head.MarginAs<SphereFaceMargin>().Iteration);
        }
    }

    [TestMethod]
    public void SphereFaceLambdaReachesItsFloor()
    {
        var head = TestHeads.SphereFace(E, C, new HeadOptions { Scale = S });
        head.Buffers[0].Value[0] = 100_000;
        Assert.AreEqual(5, head.MarginAs<SphereFaceMargin>().LambdaAt(head.MarginAs<SphereFaceMargin>().Iteration), 1e-12);
        Assert.AreEqual(1000 / (1 + 0.12 * 10), head.MarginAs<SphereFaceMargin>().LambdaAt(10), 1e-9);
        head.WithWeights(W).Forward(Input, Labels, false);
        Assert.AreEqual(5, head.MarginAs<SphereFaceMargin>().Lambda, 1e-12);
        Assert.AreEqual(100_000, head.MarginAs<SphereFaceMargin>().Iteration, "a non-training forward pass must not count an iteration");
    }

    [TestMethod]
    public void SphereFacePsiIsContinuousAndDecreasing()
    {
        for (int m = 1; m <= 6; m++)
        {
            double previous = double.PositiveInfinity;
            for (int q = 1; q < 4000; q++)
            {
                double theta = Math.PI * q / 4000;
                double psi = SphereFaceMargin.Psi(m, Math.Cos(theta), out _);
                Assert.IsTrue(psi < previous + 1e-9, $"ψ must decrease (m={m}, θ={theta})");
                Assert.IsTrue(previous == double.PositiveInfinity || previous - psi < 0.02 * m, $"ψ must be continuous (m={m}, θ={theta})");
                previous = psi;
            }
        }
    }

    [TestMethod]
    public void CombinedMarginSupportsAllThreeMarginsAtOnce()
    {
        foreach (var (m1, m2, m3) in new[] { (1.0, 0.3, 0.2), (1.35, 0.0, 0.0), (1.2, 0.25, 0.1), (2.0, 0.4, 0.3), (1.0, 0.0, 0.35) })
        {
            var head = TestHeads.Combined(E, C, new HeadOptions { Scale = S, M1 = m1, M2 = m2, M3 = m3 }).WithWeights(W);
            double thetaStar = (Math.PI - m2) / m1;
            double Target(double c)
            {
                double theta = Math.Acos(c);
                return m1 * theta + m2 <= Math.PI ? Math.Cos(m1 * theta + m2) - m3 : c - (1 + Math.Cos(thetaStar)) - m3;
            }
            AssertLogits(Expected((_, c) => Target(c)), head.Forward(Input, Labels, true), what: $"({m1},{m2},{m3})");
        }
    }

    [TestMethod]
    public void CombinedFallbackIsContinuousAndDecreasing()
    {
        var head = TestHeads.Combined(E, 2, new HeadOptions { Scale = 1, M1 = 1.5, M2 = 0.4, M3 = 0.2 });
        // Class 0 centre on the x axis; sweep θ over (0, π) with the target class 0.
        head.WeightValues()[0] = 1; head.WeightValues()[1] = 0; head.WeightValues()[2] = 0; head.WeightValues()[3] = 1;
        double previous = double.PositiveInfinity;
        for (int q = 1; q < 2000; q++)
        {
            double theta = Math.PI * q / 2000;
            var z = head.Forward(Tensor.FromRows(Polar(theta), 1), [0], false);
            double v = z.Row(0)[0];
            Assert.IsTrue(v < previous + 1e-6, $"target must not increase with θ (θ={theta})");
            Assert.IsTrue(previous == double.PositiveInfinity || previous - v < 0.01, $"target must be continuous (θ={theta}, {previous} → {v})");
            previous = v;
        }
    }

    [TestMethod]
    public void AdaCosUpdatesItsScaleFromTheBatchBeforeScaling()
    {
        var head = TestHeads.AdaCos(E, C).WithWeights(W);
        double s0 = HeadDefaults.DefaultScale(C);
        Assert.AreEqual(s0, head.Scale, 1e-6);
        var cos = ClassCosines(X, N, W, C, E);
        double b = 0;
        var angles = new List<double>();
        for (int i = 0; i < N; i++)
        {
            for (int j = 0; j < C; j++) if (j != Labels[i]) b += Math.Exp(s0 * cos[i, j]);
            angles.Add(Math.Acos(cos[i, Labels[i]]));
        }
        angles.Sort();
        double s1 = Math.Log(b / N) / Math.Cos(Math.Min(Math.PI / 4, angles[(N - 1) / 2]));
        var z = head.Forward(Input, Labels, true);
        Assert.AreEqual(s1, head.Scale, 1e-5 * s1);
        Assert.AreNotEqual(s0, head.Scale, 1e-3);
        AssertLogits(Expected((_, c) => c, s: s1), z);
    }

    [TestMethod]
    public void SubCenterTakesTheBestCentreOfEachClass()
    {
        var w = Rows(Polar(0, 1), Polar(1.0, 2), Polar(2.0, 1), Polar(3.1, 0.5), Polar(4.0, 1), Polar(5.2, 1));
        var head = TestHeads.SubCenter(E, C, new HeadOptions { Scale = S, Margin = 0.5, SubCenters = 2 }).WithWeights(w);
        var cos = ClassCosines(X, N, w, C, E, k: 2);
        var z = new double[N, C];
        for (int i = 0; i < N; i++)
        for (int j = 0; j < C; j++)
            z[i, j] = S * (j == Labels[i] ? ArcTarget(cos[i, j], 0.5) : cos[i, j]);
        AssertLogits(z, head.Forward(Input, Labels, true));
    }

    [TestMethod]
    public void CurricularFaceReweightsHardNegativesWithTheUpdatedT()
    {
        var head = TestHeads.Curricular(E, C, new HeadOptions { Scale = S, Margin = 0.5 }).WithWeights(W);
        head.Buffers[0].Value[0] = 0.2f;
        var cos = ClassCosines(X, N, W, C, E);
        double meanTarget = Enumerable.Range(0, N).Average(i => cos[i, Labels[i]]);
        double t = 0.01 * meanTarget + 0.99 * 0.2;
        int hard = 0;
        var expected = Expected((_, c) => ArcTarget(c, 0.5), (i, _, c) =>
        {
            double threshold = Math.Cos(Math.Acos(cos[i, Labels[i]]) + 0.5);
            if (c <= threshold) return c;
            hard++;
            return c * (t + c);
        });
        var z = head.Forward(Input, Labels, true);
        Assert.AreEqual(t, head.MarginAs<CurricularFaceMargin>().T, 1e-6);
        Assert.IsTrue(hard > 0, "the fixture must contain a hard negative");
        AssertLogits(expected, z);
    }

    [TestMethod]
    public void MagFaceMarginFollowsTheFeatureNormAndReportsTheRegulariser()
    {
        var options = new HeadOptions { Scale = S, LowerNorm = 0.8, UpperNorm = 1.8, LowerMargin = 0.3, UpperMargin = 0.7, RegularizerWeight = 3 };
        var head = TestHeads.MagFace(E, C, options).WithWeights(W);
        double Margin(double norm) => 0.3 + 0.4 * (Math.Clamp(norm, 0.8, 1.8) - 0.8) / 1.0;
        var z = head.Forward(Input, Labels, true);
        AssertLogits(Expected((i, c) => ArcTarget(c, Margin(Norm(X, i, E)))), z);
        double g = Enumerable.Range(0, N).Average(i =>
        {
            double a = Math.Clamp(Norm(X, i, E), 0.8, 1.8);
            return 1 / a + a / (1.8 * 1.8);
        });
        Assert.AreEqual(3 * g, head.AuxiliaryLoss, 1e-5);
        // Norms 1.5 and 2.0 get different margins (2.0 is clamped to u_a).
        Assert.AreEqual(0.3 + 0.4 * 0.7, head.MarginAs<MagFaceMargin>().MarginFor(1.5), 1e-12);
        Assert.AreEqual(0.7, head.MarginAs<MagFaceMargin>().MarginFor(2.0), 1e-12);
    }

    [TestMethod]
    public void AdaFaceMarginFollowsTheNormalisedFeatureNorm()
    {
        var head = TestHeads.AdaFace(E, C, new HeadOptions { Scale = S, Margin = 0.4, NormConcentration = 0.333, Momentum = 0.5 }).WithWeights(W);
        var norms = Enumerable.Range(0, N).Select(i => Norm(X, i, E)).ToArray();
        double mean = norms.Average();
        double std = Math.Sqrt(norms.Sum(v => (v - mean) * (v - mean)) / (N - 1));
        double mu = 0.5 * mean + 0.5 * 20, sigma = 0.5 * std + 0.5 * 100;
        double Target(int i, double c)
        {
            double z = Math.Clamp(0.333 * (norms[i] - mu) / (sigma + 1e-3), -1, 1);
            double theta = Math.Clamp(Math.Acos(c) - 0.4 * z, 1e-3, Math.PI - 1e-3);
            return Math.Cos(theta) - (0.4 + 0.4 * z);
        }
        var logits = head.Forward(Input, Labels, true);
        Assert.AreEqual(mu, head.MarginAs<AdaFaceMargin>().BatchMean, 1e-4);
        Assert.AreEqual(sigma, head.MarginAs<AdaFaceMargin>().BatchStd, 1e-4);
        AssertLogits(Expected(Target), logits);
        // Evaluation passes leave the statistics alone.
        head.Forward(Input, Labels, false);
        Assert.AreEqual(mu, head.MarginAs<AdaFaceMargin>().BatchMean, 1e-4);
    }

    [TestMethod]
    public void ElasticFaceDrawsPerSampleMarginsInTrainingAndUsesTheMeanOtherwise()
    {
        var head = TestHeads.ElasticFace(E, C, new HeadOptions { Scale = S, Margin = 0.5, MarginStd = 0.05 }).WithWeights(W);
        AssertLogits(Expected((_, c) => ArcTarget(c, 0.5)), head.Forward(Input, Labels, false), what: "eval");
        var z = head.Forward(Input, Labels, true);
        var margins = head.MarginAs<ElasticFaceMargin>().LastMargins.ToArray();
        Assert.IsTrue(margins.Distinct().Count() == N, "each sample draws its own margin");
        AssertLogits(Expected((i, c) => ArcTarget(c, margins[i])), z, what: "train");

        var cosHead = TestHeads.ElasticFace(E, C, new HeadOptions { Scale = S, Margin = 0.35, ElasticCosine = true }).WithWeights(W);
        var zc = cosHead.Forward(Input, Labels, true);
        var mc = cosHead.MarginAs<ElasticFaceMargin>().LastMargins.ToArray();
        AssertLogits(Expected((i, c) => c - mc[i]), zc, what: "cos");
    }

    [TestMethod]
    public void ElasticFaceMarginsAreSeededAndHaveTheRequestedSpread()
    {
        var a = TestHeads.ElasticFace(E, C, new HeadOptions { Margin = 0.5, MarginStd = 0.05 });
        var b = TestHeads.ElasticFace(E, C, new HeadOptions { Margin = 0.5, MarginStd = 0.05 });
        a.Initialize(new SeededRandom(3));
        b.Initialize(new SeededRandom(3));
        var samples = new List<double>();
        int n = 400;
        var x = Tensor.FromRows(Enumerable.Range(0, n * E).Select(i => (float)Math.Sin(i + 1)).ToArray(), n);
        var labels = Enumerable.Range(0, n).Select(i => i % C).ToArray();
        a.Forward(x, labels, true);
        b.Forward(x, labels, true);
        CollectionAssert.AreEqual(a.MarginAs<ElasticFaceMargin>().LastMargins.ToArray(), b.MarginAs<ElasticFaceMargin>().LastMargins.ToArray());
        samples.AddRange(a.MarginAs<ElasticFaceMargin>().LastMargins.ToArray());
        double mean = samples.Average(), std = Math.Sqrt(samples.Sum(v => (v - mean) * (v - mean)) / (n - 1));
        Assert.AreEqual(0.5, mean, 0.01);
        Assert.AreEqual(0.05, std, 0.01);
    }
}

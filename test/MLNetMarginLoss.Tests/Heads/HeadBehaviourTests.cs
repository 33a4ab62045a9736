using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Losses;
using MLNetMarginLoss.Heads;
using static MLNetMarginLoss.Tests.Heads.HeadMath;

namespace MLNetMarginLoss.Tests.Heads;

/// <summary>Inference without labels, adaptive state, persistence round trips and steady-state allocation.</summary>
[TestClass]
public sealed class HeadBehaviourTests
{
    private const int E = 3, C = 4, N = 6;

    private static (Tensor X, int[] Labels) Batch(long seed, int n = N)
    {
        var r = new SeededRandom(seed);
        var x = Enumerable.Range(0, n * E).Select(_ => r.Uniform(-1.5f, 1.5f)).ToArray();
        return (Tensor.FromRows(x, n), Enumerable.Range(0, n).Select(i => (i * 3 + 1) % C).ToArray());
    }

    private static IEnumerable<MarginHead> AllCosineHeads() => HeadFactory.Names
        .Where(n => n != "softmax")
        .Select(n => HeadFactory.Create(n, E, C, new HeadOptions { Scale = 7 }));

    [TestMethod]
    public void PredictIsScaledCosineForEveryCosineHeadAndIgnoresTrainingLabels()
    {
        var (x, labels) = Batch(1);
        foreach (var head in AllCosineHeads())
        {
            head.Initialize(new SeededRandom(5));
            var cosHead = (CosineMarginHead)head;
            int k = cosHead.SubCenters;
            var cos = ClassCosines(x.Data, N, cosHead.WeightValues(), C, E, k);
            double s = cosHead.Scale;
            var before = head.Predict(x).Span.ToArray();
            var expected = new double[N, C];
            for (int i = 0; i < N; i++)
            for (int j = 0; j < C; j++) expected[i, j] = s * cos[i, j];
            AssertLogits(expected, head.Predict(x), 1e-5, head.Kind);

            // A training pass with any labels (adaptive heads may change s there) ...
            head.Forward(x, labels, true);
            var shuffled = labels.Reverse().ToArray();
            head.Forward(x, shuffled, false);
            // ... does not make Predict depend on labels: it is s·cos with the head's current s.
            double s2 = cosHead.Scale;
            var after = head.Predict(x).Span.ToArray();
            for (int q = 0; q < after.Length; q++)
                Assert.AreEqual(before[q] * s2 / s, after[q], 1e-4, $"{head.Kind} predict after training");
        }
    }

    [TestMethod]
    public void PredictBetweenForwardAndBackwardDoesNotDisturbTheGradient()
    {
        var (x, labels) = Batch(2);
        var (other, _) = Batch(3, 9);
        var a = TestHeads.ArcFace(E, C, new HeadOptions { Scale = 7, SubCenters = 2 });
        var b = TestHeads.ArcFace(E, C, new HeadOptions { Scale = 7, SubCenters = 2 });
        var logits = a.Forward(x, labels, true).Clone();
        b.Forward(x, labels, true);
        b.Predict(other);
        var g = new SoftmaxCrossEntropy();
        g.Forward(logits, labels);
        var da = a.Backward(g.Gradient).Span.ToArray();
        var db = b.Backward(g.Gradient).Span.ToArray();
        CollectionAssert.AreEqual(da, db);
        CollectionAssert.AreEqual(a.WeightGradient(), b.WeightGradient());
    }

    [TestMethod]
    public void MarginMakesTrainingLogitsOnlyLowerTheTarget()
    {
        var (x, labels) = Batch(4);
        foreach (var name in new[] { "cosface", "arcface", "combined", "sphereface", "subcenter", "elasticface" })
        {
            var head = HeadFactory.Create(name, E, C, new HeadOptions { Scale = 7 });
            var predict = head.Predict(x).Span.ToArray();
            var train = head.Forward(x, labels, true).Span.ToArray();
            for (int i = 0; i < N; i++)
            for (int j = 0; j < C; j++)
            {
                int q = i * C + j;
                if (j == labels[i]) Assert.IsTrue(train[q] < predict[q], $"{name}: the margin must lower the target logit");
                else Assert.AreEqual(predict[q], train[q], 1e-5, $"{name}: non-targets are s·cos θ");
            }
        }
    }

    [TestMethod]
    public void AdaCosScaleMovesInTrainingOnlyAndIsSavedAsABuffer()
    {
        var head = TestHeads.AdaCos(E, C);
        double s0 = head.Scale;
        Assert.AreEqual(HeadDefaults.DefaultScale(C), s0, 1e-5);
        var (x, labels) = Batch(6);
        head.Predict(x);
        head.Forward(x, labels, false);
        Assert.AreEqual(s0, head.Scale, "inference and evaluation passes leave s alone");
        head.Forward(x, labels, true);
        double s1 = head.Scale;
        Assert.AreNotEqual(s0, s1);
        head.Predict(x);
        Assert.AreEqual(s1, head.Scale);
        Assert.AreEqual("scale", head.Buffers[0].Name);
        Assert.AreEqual((float)s1, head.Buffers[0].Value[0]);

        // Restoring the buffer restores the scale, as loading a model does.
        var loaded = (CosineMarginHead)HeadFactory.Create(head.Kind, E, C, head.GetOptions());
        head.WeightValues().CopyTo(loaded.WeightValues(), 0);
        head.Buffers[0].Value.CopyTo(loaded.Buffers[0].Value, 0);
        CollectionAssert.AreEqual(head.Predict(x).Span.ToArray(), loaded.Predict(x).Span.ToArray());
        loaded.Initialize(new SeededRandom(1));
        Assert.AreEqual(s0, loaded.Scale, 1e-6, "Initialize resets s");
    }

    [TestMethod]
    public void AdaCosKeepsItsScaleWhenTheUpdateWouldBeNonPositive()
    {
        // Two classes far apart: B_avg = e^{s·cos θ_other} < 1, so ln(B_avg) < 0 and the update is refused.
        var head = TestHeads.AdaCos(2, 2).WithWeights(Rows(Polar(0), Polar(Math.PI)));
        double s0 = head.Scale;
        head.Forward(Tensor.FromRows(Rows(Polar(0.1), Polar(Math.PI - 0.1)), 2), [0, 1], true);
        Assert.AreEqual(s0, head.Scale);
        Assert.IsTrue(head.Scale > 0);
    }

    [TestMethod]
    public void CurricularTFollowsTheMeanTargetCosineInTrainingOnly()
    {
        var head = TestHeads.Curricular(E, C);
        Assert.AreEqual(0, head.MarginAs<CurricularFaceMargin>().T);
        var (x, labels) = Batch(8);
        head.Forward(x, labels, false);
        Assert.AreEqual(0, head.MarginAs<CurricularFaceMargin>().T, "evaluation passes leave t alone");
        double t = 0;
        for (int step = 0; step < 3; step++)
        {
            var cos = ClassCosines(x.Data, N, head.WeightValues(), C, E);
            double mean = Enumerable.Range(0, N).Average(i => cos[i, labels[i]]);
            t = 0.01 * mean + 0.99 * t;
            head.Forward(x, labels, true);
            Assert.AreEqual(t, head.MarginAs<CurricularFaceMargin>().T, 1e-6);
        }
        Assert.AreNotEqual(0, head.MarginAs<CurricularFaceMargin>().T);
        head.Initialize(new SeededRandom(2));
        Assert.AreEqual(0, head.MarginAs<CurricularFaceMargin>().T);
    }

    [TestMethod]
    public void SphereFaceCountsTrainingIterationsInASavedBuffer()
    {
        var head = TestHeads.SphereFace(E, C);
        var (x, labels) = Batch(9);
        for (int i = 0; i < 4; i++) head.Forward(x, labels, true);
        Assert.AreEqual(1000 / (1 + 0.12 * 3), head.MarginAs<SphereFaceMargin>().Lambda, 1e-9, "the fourth training pass used λ of iteration 3");
        head.Forward(x, labels, false);
        head.Predict(x);
        Assert.AreEqual(4, head.MarginAs<SphereFaceMargin>().Iteration);
        Assert.AreEqual(1000 / (1 + 0.12 * 4), head.MarginAs<SphereFaceMargin>().Lambda, 1e-9, "an evaluation pass uses λ of the current count");
        Assert.AreEqual("iteration", head.Buffers[0].Name);
    }

    [TestMethod]
    public void SubCenterOutliersAreFartherThanTheThresholdFromTheDominantCentre()
    {
        // Class 0: centres at 0 and 3 rad (K = 2); class 1 centres at 1.5 and 4.5 rad.
        var head = TestHeads.SubCenter(2, 2, new HeadOptions { SubCenters = 2 })
            .WithWeights(Rows(Polar(0), Polar(3), Polar(1.5), Polar(4.5)));
        // Class 0 samples: four near centre 0 (dominant) and one at 2.9 rad (166° away) → outlier.
        // Class 1 samples: near 1.5 (dominant) and one at 0.1 rad (80° from 1.5) → outlier; one at 2.6 (63°) → kept.
        var x = Rows(Polar(0.1), Polar(-0.2), Polar(0.3), Polar(0.05), Polar(2.9), Polar(1.4), Polar(1.6), Polar(1.5, 2), Polar(0.1), Polar(2.6));
        int[] labels = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1];
        var input = Tensor.FromRows(x, labels.Length);
        CollectionAssert.AreEqual(new[] { 0, 0 }, SubCenterOutliers.FindDominantCenters(head, input, labels));
        CollectionAssert.AreEqual(new[] { 4, 8 }, SubCenterOutliers.FindOutliers(head, input, labels, head.MarginAs<ArcFaceMargin>().DropThresholdDegrees!.Value));
        var strict = TestHeads.SubCenter(2, 2, new HeadOptions { SubCenters = 2, DropThresholdDegrees = 30 })
            .WithWeights(head.WeightValues().ToArray());
        CollectionAssert.AreEqual(new[] { 4, 8, 9 }, SubCenterOutliers.FindOutliers(strict, input, labels, strict.MarginAs<ArcFaceMargin>().DropThresholdDegrees!.Value));
    }

    [TestMethod]
    public void EveryHeadRoundTripsThroughKindAndOptions()
    {
        var (x, labels) = Batch(10);
        foreach (var name in HeadFactory.Names)
        {
            var used = HeadOptionRules.UsedBy(HeadFactory.Parse(name));
            var options = new HeadOptions
            {
                Scale = used.Contains(nameof(HeadOptions.Scale)) ? 9 : null,
                Margin = used.Contains(nameof(HeadOptions.Margin)) ? (name == "sphereface" ? 3 : 0.3) : null,
                SubCenters = name == "subcenter" ? 2 : null,
            };
            var head = HeadFactory.Create(name, E, C, options);
            Assert.AreEqual(name, head.Kind);
            Assert.AreEqual(name, HeadFactory.Name(HeadFactory.Parse(name)));
            head.Initialize(new SeededRandom(3));
            head.Forward(x, labels, true);

            var copy = HeadFactory.Create(head.Kind, E, C, head.GetOptions());
            Assert.AreEqual(head.Parameters.Count, copy.Parameters.Count, name);
            for (int p = 0; p < head.Parameters.Count; p++)
            {
                CollectionAssert.AreEqual(head.Parameters[p].Dims, copy.Parameters[p].Dims, name);
                head.Parameters[p].Value.CopyTo(copy.Parameters[p].Value, 0);
            }
            if (head is CosineMarginHead) head.WeightValues().CopyTo(copy.WeightValues(), 0);
            for (int b = 0; b < head.Buffers.Count; b++) head.Buffers[b].Value.CopyTo(copy.Buffers[b].Value, 0);
            CollectionAssert.AreEqual(head.Predict(x).Span.ToArray(), copy.Predict(x).Span.ToArray(), name);
            var a = head.Forward(x, labels, false).Span.ToArray();
            var c = copy.Forward(x, labels, false).Span.ToArray();
            CollectionAssert.AreEqual(a, c, name + " evaluation logits");
        }
    }

    [TestMethod]
    public void FactoryParsesNamesAndRejectsUnknownOnes()
    {
        Assert.AreEqual(HeadKind.SubCenter, HeadFactory.Parse("SubCenter"));
        Assert.AreEqual(HeadKind.SubCenter, HeadFactory.Parse("sub-center"));
        Assert.AreEqual(HeadKind.Curricular, HeadFactory.Parse("CurricularFace"));
        Assert.AreEqual(HeadKind.ArcFace, HeadFactory.Parse(" arcface "));
        Assert.AreEqual(Enum.GetValues<HeadKind>().Length, HeadFactory.Names.Count);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => HeadFactory.Parse("arcfaec"));
        StringAssert.Contains(ex.Message, "arcfaec");
        StringAssert.Contains(ex.Message, "cosface");
    }

    [TestMethod]
    public void DefaultScaleLetsASampleOnItsCentreReachTheTargetConfidence()
    {
        // The class centres as a regular simplex (pairwise cos = −1/(C − 1), as far apart as C centres can be) and a
        // sample on centre 0: with the default scale the head's own inference logits give it probability P.
        foreach (int classes in new[] { 2, 3, 10, 100 })
        {
            var head = TestHeads.NormSoftmax(classes, classes);
            Assert.AreEqual(HeadDefaults.DefaultScale(classes), head.Scale, 1e-12);
            var w = head.WeightValues();
            for (int j = 0; j < classes; j++)
            for (int e = 0; e < classes; e++) w[j * classes + e] = (j == e ? 1f : 0f) - 1f / classes;
            var logits = head.Predict(Tensor.FromRows(w.AsSpan(0, classes).ToArray(), 1)).Span.ToArray();
            double max = logits.Max(), sum = logits.Sum(l => Math.Exp(l - max));
            double p = Math.Exp(logits[0] - max) / sum;
            if (classes == 2)
            {
                // The rule gives 3.45 for two classes; the floor keeps 4, which is more confident still.
                Assert.AreEqual(HeadDefaults.MinimumDefaultScale, head.Scale);
                Assert.IsGreaterThan(HeadDefaults.DefaultScaleConfidence, p, $"C = 2: p = {p}");
            }
            else
            {
                Assert.AreEqual(HeadDefaults.DefaultScaleConfidence, p, 2e-5, $"C = {classes}: p = {p}");
            }
        }
        Assert.AreEqual(8.19, HeadDefaults.DefaultScale(10), 0.005, "the figure the docs quote for ten classes");
        Assert.AreEqual(HeadDefaults.DefaultScale(1000), TestHeads.ArcFace(4, 1000).Scale, 1e-12);
        Assert.IsTrue(HeadDefaults.DefaultScale(1000) > HeadDefaults.DefaultScale(100), "the scale grows with the class count");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => HeadDefaults.DefaultScale(1));
    }

    [TestMethod]
    public void SteadyStateTrainingStepDoesNotAllocate()
    {
        var (x, labels) = Batch(11, 32);
        var loss = new SoftmaxCrossEntropy();
        using var context = ComputeContext.Create(MLNetMarginLoss.GemmProvider.Managed, 1);
        foreach (var name in HeadFactory.Names)
        {
            var head = HeadFactory.Create(name, E, C, new HeadOptions { SubCenters = name == "subcenter" ? 3 : null });
            head.Context = context;
            void Step()
            {
                var logits = head.Forward(x, labels, true);
                loss.Forward(logits, labels);
                head.Backward(loss.Gradient);
                head.Predict(x);
            }
            Step(); Step();
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 5; i++) Step();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.AreEqual(0, allocated, $"{name} allocated {allocated} bytes in 5 steady-state steps");
        }
    }
}

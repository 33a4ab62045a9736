using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Optimizers;

namespace MLNetMarginLoss.Tests.Engine;

[TestClass]
public sealed class OptimizerTests
{
    // 35 elements: two full 16-wide vector blocks plus a 3-element scalar tail, so both code paths are checked.
    private const int Length = 35;
    private const int Steps = 3;

    private static double[] InitialValues() =>
        Enumerable.Range(0, Length).Select(i => 1.5 * Math.Sin(0.7 * i + 0.3)).ToArray();

    private static double[][] Gradients() =>
        Enumerable.Range(0, Steps)
            .Select(t => Enumerable.Range(0, Length).Select(i => Math.Cos(1.3 * i + 2.1 * t) * (t == 2 && i % 3 == 0 ? 0.01 : 1.0)).ToArray())
            .ToArray();

    private static Parameter MakeParameter(double[] values, string name = "w")
    {
        var p = new Parameter(name, values.Length);
        for (int i = 0; i < values.Length; i++) p.Value[i] = (float)values[i];
        return p;
    }

    private static ParameterGroup[] Single(params Parameter[] parameters) => [new ParameterGroup(parameters)];

    /// <summary>Runs <paramref name="optimizer"/> over the fixed gradient sequence and returns the final values.</summary>
    private static float[] RunFixedGradients(Parameter parameter, Optimizer optimizer, double[][] gradients)
    {
        foreach (var g in gradients)
        {
            for (int i = 0; i < g.Length; i++) parameter.Gradient[i] = (float)g[i];
            optimizer.Step();
        }
        return parameter.Value;
    }

    private static void AssertClose(double[] expected, float[] actual, double tolerance = 1e-6)
    {
        Assert.HasCount(expected.Length, actual);
        for (int i = 0; i < expected.Length; i++)
        {
            double err = Math.Abs(expected[i] - actual[i]);
            Assert.IsLessThanOrEqualTo(tolerance * Math.Max(1.0, Math.Abs(expected[i])), err,
                $"element {i}: expected {expected[i]:R}, got {actual[i]:R}");
        }
    }

    // ---- Independent double-precision references, written from the textbook/PyTorch formulas ----

    private static double[] SgdReference(double[] p0, double[][] grads, double lr, double momentum, double dampening,
        bool nesterov, double wd)
    {
        var p = (double[])p0.Clone();
        double[]? buf = null;
        foreach (var g in grads)
        {
            bool first = buf is null;
            buf ??= new double[p.Length];
            for (int i = 0; i < p.Length; i++)
            {
                double d = g[i] + wd * p[i];
                if (momentum != 0)
                {
                    buf[i] = first ? d : momentum * buf[i] + (1 - dampening) * d;
                    d = nesterov ? d + momentum * buf[i] : buf[i];
                }
                p[i] -= lr * d;
            }
        }
        return p;
    }

    private static double[] AdamReference(double[] p0, double[][] grads, double lr, double b1, double b2, double eps,
        double l2, double decoupled, bool amsgrad)
    {
        var p = (double[])p0.Clone();
        var m = new double[p.Length];
        var v = new double[p.Length];
        var vMax = new double[p.Length];
        int t = 0;
        foreach (var g in grads)
        {
            t++;
            for (int i = 0; i < p.Length; i++)
            {
                p[i] *= 1 - lr * decoupled;
                double d = g[i] + l2 * p[i];
                m[i] = b1 * m[i] + (1 - b1) * d;
                v[i] = b2 * v[i] + (1 - b2) * d * d;
                vMax[i] = Math.Max(vMax[i], v[i]);
                double mHat = m[i] / (1 - Math.Pow(b1, t));
                double vHat = (amsgrad ? vMax[i] : v[i]) / (1 - Math.Pow(b2, t));
                p[i] -= lr * mHat / (Math.Sqrt(vHat) + eps);
            }
        }
        return p;
    }

    private static double[] AdadeltaReference(double[] p0, double[][] grads, double lr, double rho, double eps, double wd)
    {
        var p = (double[])p0.Clone();
        var sq = new double[p.Length];
        var acc = new double[p.Length];
        foreach (var g in grads)
        {
            for (int i = 0; i < p.Length; i++)
            {
                double d = g[i] + wd * p[i];
                sq[i] = rho * sq[i] + (1 - rho) * d * d;
                double delta = Math.Sqrt(acc[i] + eps) / Math.Sqrt(sq[i] + eps) * d;
                acc[i] = rho * acc[i] + (1 - rho) * delta * delta;
                p[i] -= lr * delta;
            }
        }
        return p;
    }

    // ---- Exact values ----

    [TestMethod]
    [DataRow(0.0, 0.0, false, 0.0)]
    [DataRow(0.0, 0.0, false, 0.05)]
    [DataRow(0.9, 0.0, false, 0.0)]
    [DataRow(0.9, 0.1, false, 0.05)]
    [DataRow(0.9, 0.0, true, 0.05)]
    public void SgdMatchesHandComputedValues(double momentum, double dampening, bool nesterov, double wd)
    {
        var p0 = InitialValues();
        var grads = Gradients();
        var p = MakeParameter(p0);
        var sgd = new Sgd(Single(p), 0.1f, (float)momentum, (float)dampening, nesterov, (float)wd);
        AssertClose(SgdReference(p0, grads, 0.1, momentum, dampening, nesterov, wd), RunFixedGradients(p, sgd, grads));
    }

    [TestMethod]
    [DataRow(0.0, false, 0.999)]
    [DataRow(0.05, false, 0.999)]
    [DataRow(0.05, true, 0.999)]
    [DataRow(0.0, true, 0.5)]
    [DataRow(0.05, true, 0.5)]
    public void AdamMatchesHandComputedValues(double wd, bool amsgrad, double beta2)
    {
        var p0 = InitialValues();
        var grads = Gradients();
        var p = MakeParameter(p0);
        var adam = new Adam(Single(p), 0.1f, beta2: (float)beta2, weightDecay: (float)wd, amsgrad: amsgrad);
        AssertClose(AdamReference(p0, grads, 0.1, 0.9, beta2, 1e-8, wd, 0, amsgrad), RunFixedGradients(p, adam, grads));
    }

    [TestMethod]
    public void AmsGradChangesTheResultWhenTheSecondMomentShrinks()
    {
        // The last gradient is tiny for every third element, so with β₂ = 0.5 v halves there and max(v) matters:
        // the AMSGrad rows of AdamMatchesHandComputedValues (β₂ = 0.5) really test the maximum.
        var p0 = InitialValues();
        var grads = Gradients();
        var plain = AdamReference(p0, grads, 0.1, 0.9, 0.5, 1e-8, 0, 0, amsgrad: false);
        var ams = AdamReference(p0, grads, 0.1, 0.9, 0.5, 1e-8, 0, 0, amsgrad: true);
        Assert.IsGreaterThan(1e-3, Enumerable.Range(0, Length).Max(i => Math.Abs(plain[i] - ams[i])),
            "the test data does not exercise AMSGrad");
        var p = MakeParameter(p0);
        var adam = new Adam(Single(p), 0.1f, beta2: 0.5f, amsgrad: false);
        AssertClose(plain, RunFixedGradients(p, adam, grads));
    }

    [TestMethod]
    [DataRow(0.05, false)]
    [DataRow(0.01, true)]
    public void AdamWMatchesHandComputedValues(double wd, bool amsgrad)
    {
        var p0 = InitialValues();
        var grads = Gradients();
        var p = MakeParameter(p0);
        var adamW = new AdamW(Single(p), 0.1f, beta2: 0.5f, weightDecay: (float)wd, amsgrad: amsgrad);
        AssertClose(AdamReference(p0, grads, 0.1, 0.9, 0.5, 1e-8, 0, wd, amsgrad), RunFixedGradients(p, adamW, grads));
    }

    [TestMethod]
    public void AdamWDefaultsToDecoupledDecayOfOneHundredth()
    {
        var p = MakeParameter([2.0]);
        var adamW = new AdamW(Single(p), 0.5f);
        Assert.AreEqual(0.01f, adamW.WeightDecay);
        adamW.Step(); // zero gradient: m = 0, so only the decay moves p: 2·(1 − 0.5·0.01) = 1.99
        Assert.AreEqual(1.99, p.Value[0], 1e-6);
    }

    [TestMethod]
    [DataRow(1.0, 0.9, 1e-6, 0.0)]
    [DataRow(1.0, 0.9, 1e-6, 0.05)]
    [DataRow(0.5, 0.95, 1e-4, 0.0)]
    public void AdadeltaMatchesHandComputedValues(double lr, double rho, double eps, double wd)
    {
        var p0 = InitialValues();
        var grads = Gradients();
        var p = MakeParameter(p0);
        var adadelta = new Adadelta(Single(p), (float)lr, (float)rho, (float)eps, (float)wd);
        AssertClose(AdadeltaReference(p0, grads, lr, rho, eps, wd), RunFixedGradients(p, adadelta, grads));
    }

    [TestMethod]
    public void SmallCaseWorkedByHand()
    {
        // p = [1, -2], g = [0.5, 1] twice, SGD lr 0.1, momentum 0.9, wd 0.1.
        // step 1: d = [0.5+0.1, 1-0.2] = [0.6, 0.8]; buf = d; p = [0.94, -2.08]
        // step 2: d = [0.5+0.094, 1-0.208] = [0.594, 0.792]; buf = 0.9·[0.6, 0.8] + d = [1.134, 1.512]
        //         p = [0.94-0.1134, -2.08-0.1512] = [0.8266, -2.2312]
        var p = MakeParameter([1.0, -2.0]);
        var sgd = new Sgd(Single(p), 0.1f, momentum: 0.9f, weightDecay: 0.1f);
        AssertClose([0.8266, -2.2312], RunFixedGradients(p, sgd, [[0.5, 1.0], [0.5, 1.0]]));
    }

    /// <summary>
    /// Values produced once by PyTorch 1.13 in float64 for p = [0.5, −1.2, 2.0] and the gradients
    /// [0.3, −0.7, 1.1], [−0.2, 0.5, 0.9], [0.4, 0.01, −1.3]; they confirm the hand references above.
    /// </summary>
    [TestMethod]
    [DataRow("sgd", 0.442736688, -1.163538100, 1.901697000)]
    [DataRow("sgd_momentum", 0.404084217, -1.065899861, 1.614254570)]
    [DataRow("sgd_nesterov", 0.356259477, -1.051482008, 1.552283223)]
    [DataRow("adam", 0.318091101, -1.061012303, 1.779621175)]
    [DataRow("adam_amsgrad", 0.330603877, -1.080802224, 1.787709908)]
    [DataRow("adamw", 0.324211075, -1.063942381, 1.759352082)]
    [DataRow("adadelta", 0.495215490, -1.198860449, 1.997260593)]
    public void MatchesPyTorchOnASmallCase(string kind, double e0, double e1, double e2)
    {
        var p = MakeParameter([0.5, -1.2, 2.0]);
        var groups = Single(p);
        Optimizer optimizer = kind switch
        {
            "sgd" => new Sgd(groups, 0.1f, weightDecay: 0.05f),
            "sgd_momentum" => new Sgd(groups, 0.1f, momentum: 0.9f, dampening: 0.1f, weightDecay: 0.05f),
            "sgd_nesterov" => new Sgd(groups, 0.1f, momentum: 0.9f, nesterov: true, weightDecay: 0.05f),
            "adam" => new Adam(groups, 0.1f, weightDecay: 0.05f),
            "adam_amsgrad" => new Adam(groups, 0.1f, amsgrad: true),
            "adamw" => new AdamW(groups, 0.1f, weightDecay: 0.05f),
            "adadelta" => new Adadelta(groups, 1f, weightDecay: 0.05f),
            _ => throw new ArgumentException(kind),
        };
        double[][] grads = [[0.3, -0.7, 1.1], [-0.2, 0.5, 0.9], [0.4, 0.01, -1.3]];
        AssertClose([e0, e1, e2], RunFixedGradients(p, optimizer, grads));
    }

    [TestMethod]
    public void VectorAndScalarPathsGiveBitIdenticalResults()
    {
        // 17 identical elements: the first 16 go through the vector loop, the last through the scalar tail.
        foreach (var make in AllKinds())
        {
            var p = new Parameter("w", 17);
            Array.Fill(p.Value, 0.37f);
            var optimizer = make(Single(p));
            for (int t = 0; t < 4; t++)
            {
                Array.Fill(p.Gradient, 0.11f * (t + 1) - 0.2f);
                optimizer.Step();
            }
            for (int i = 1; i < 17; i++)
                Assert.AreEqual(BitConverter.SingleToInt32Bits(p.Value[0]), BitConverter.SingleToInt32Bits(p.Value[i]),
                    $"{optimizer.GetType().Name}: element {i} differs from element 0");
        }
    }

    // ---- Groups, frozen parameters, weight-decay exemption ----

    private static IEnumerable<Func<ParameterGroup[], Optimizer>> AllKinds() =>
    [
        g => new Sgd(g, 0.1f, momentum: 0.9f, weightDecay: 0.1f),
        g => new Sgd(g, 0.1f, weightDecay: 0.1f),
        g => new Adam(g, 0.1f, weightDecay: 0.1f),
        g => new Adam(g, 0.1f, weightDecay: 0.1f, amsgrad: true),
        g => new AdamW(g, 0.1f, weightDecay: 0.1f),
        g => new Adadelta(g, 1f, weightDecay: 0.1f),
    ];

    [TestMethod]
    public void FrozenParametersDoNotMove()
    {
        foreach (var make in AllKinds())
        {
            var live = MakeParameter([1.0, -1.0, 0.5]);
            var frozen = MakeParameter([1.0, -1.0, 0.5]);
            frozen.Frozen = true;
            var optimizer = make(Single(live, frozen));
            for (int t = 0; t < 3; t++)
            {
                Array.Fill(live.Gradient, 0.3f);
                Array.Fill(frozen.Gradient, 0.3f);
                optimizer.Step();
            }
            CollectionAssert.AreEqual(new[] { 1f, -1f, 0.5f }, frozen.Value, optimizer.GetType().Name);
            Assert.AreNotEqual(1f, live.Value[0], optimizer.GetType().Name);
        }
    }

    [TestMethod]
    public void UnfrozenParameterStartsItsStateAfresh()
    {
        // Like PyTorch: a parameter frozen for the first steps gets Adam's first-step bias correction when unfrozen.
        var late = MakeParameter([1.0, 2.0]);
        var other = MakeParameter([0.0, 0.0]);
        late.Frozen = true;
        var adam = new Adam(Single(other, late), 0.1f);
        for (int t = 0; t < 5; t++) { Array.Fill(other.Gradient, 1f); adam.Step(); }
        late.Frozen = false;
        late.Gradient[0] = 0.5f;
        late.Gradient[1] = -2f;
        adam.Step();
        // First Adam step: m̂ = g, v̂ = g², so p −= lr·g/(|g| + ε) ≈ lr·sign(g).
        Assert.AreEqual(0.9, late.Value[0], 1e-6);
        Assert.AreEqual(2.1, late.Value[1], 1e-6);
        Assert.AreEqual(6L, adam.StepCount);
    }

    [TestMethod]
    public void NoWeightDecayParametersAreNotDecayed()
    {
        foreach (var make in AllKinds())
        {
            // Zero gradients: only weight decay can move a parameter.
            var decayed = MakeParameter([1.0, -2.0]);
            var exempt = MakeParameter([1.0, -2.0]);
            exempt.NoWeightDecay = true;
            var optimizer = make(Single(decayed, exempt));
            optimizer.Step();
            optimizer.Step();
            CollectionAssert.AreEqual(new[] { 1f, -2f }, exempt.Value, optimizer.GetType().Name);
            Assert.IsLessThan(1f, Math.Abs(decayed.Value[0]), $"{optimizer.GetType().Name} did not decay the decayed parameter");
        }
    }

    [TestMethod]
    public void GroupWeightDecayOverridesTheOptimizers()
    {
        var a = MakeParameter([1.0]);
        var b = MakeParameter([1.0]);
        var sgd = new Sgd([new ParameterGroup([a]), new ParameterGroup([b], weightDecay: 0.5f)], 0.1f, weightDecay: 0.1f);
        sgd.Step(); // zero gradient: p −= lr·wd·p
        Assert.AreEqual(1 - 0.1 * 0.1, a.Value[0], 1e-7);
        Assert.AreEqual(1 - 0.1 * 0.5, b.Value[0], 1e-7);
    }

    [TestMethod]
    public void GroupMultiplierScalesTheStep()
    {
        var p0 = InitialValues();
        var grads = Gradients();
        var encoder = MakeParameter(p0, "encoder");
        var head = MakeParameter(p0, "head");
        var adam = new Adam([new ParameterGroup([encoder]), new ParameterGroup([head], learningRateMultiplier: 10f)], 0.01f);
        foreach (var g in grads)
        {
            for (int i = 0; i < Length; i++) encoder.Gradient[i] = head.Gradient[i] = (float)g[i];
            adam.Step();
        }
        AssertClose(AdamReference(p0, grads, 0.01, 0.9, 0.999, 1e-8, 0, 0, false), encoder.Value);
        AssertClose(AdamReference(p0, grads, 0.1, 0.9, 0.999, 1e-8, 0, 0, false), head.Value);

        // Plain SGD: the displacement is exactly proportional to the multiplier.
        var x = MakeParameter([1.0]);
        var y = MakeParameter([1.0]);
        var sgd = new Sgd([new ParameterGroup([x]), new ParameterGroup([y], learningRateMultiplier: 0.25f)], 0.5f);
        x.Gradient[0] = y.Gradient[0] = 1f;
        sgd.Step();
        Assert.AreEqual(0.5f, x.Value[0]);
        Assert.AreEqual(0.875f, y.Value[0]);
    }

    [TestMethod]
    public void LearningRateCanBeChangedBetweenSteps()
    {
        var p = MakeParameter([0.0]);
        var sgd = new Sgd(Single(p), 1f);
        p.Gradient[0] = 1f;
        sgd.Step();
        sgd.LearningRate = 0.25f;
        sgd.Step();
        Assert.AreEqual(-1.25f, p.Value[0]);
        Assert.AreEqual(2L, sgd.StepCount);
    }

    // ---- State ----

    [TestMethod]
    public void SavedStateContinuesBitIdentically()
    {
        var p0 = InitialValues();
        foreach (var make in AllKinds())
        {
            var gradients = Enumerable.Range(0, 6).Select(t => p0.Select(v => (float)Math.Sin(3 * v + t)).ToArray()).ToArray();
            var original = MakeParameter(p0);
            var bias = MakeParameter([0.1, 0.2]);
            var optimizer = make([new ParameterGroup([original]), new ParameterGroup([bias], 2f)]);
            void StepWith(Optimizer o, Parameter w, Parameter b, float[] g)
            {
                g.CopyTo(w.Gradient, 0);
                b.Gradient[0] = g[0];
                b.Gradient[1] = g[1];
                o.Step();
            }
            for (int t = 0; t < 3; t++) StepWith(optimizer, original, bias, gradients[t]);
            var state = optimizer.GetState();
            var savedValues = (float[])original.Value.Clone();
            var savedBias = (float[])bias.Value.Clone();
            for (int t = 3; t < 6; t++) StepWith(optimizer, original, bias, gradients[t]);

            var resumed = new Parameter("w", Length);
            savedValues.CopyTo(resumed.Value, 0);
            var resumedBias = new Parameter("b", 2);
            savedBias.CopyTo(resumedBias.Value, 0);
            var restored = make([new ParameterGroup([resumed]), new ParameterGroup([resumedBias], 2f)]);
            restored.SetState(state);
            Assert.AreEqual(3L, restored.StepCount);
            for (int t = 3; t < 6; t++) StepWith(restored, resumed, resumedBias, gradients[t]);

            CollectionAssert.AreEqual(original.Value, resumed.Value, optimizer.GetType().Name);
            CollectionAssert.AreEqual(bias.Value, resumedBias.Value, optimizer.GetType().Name);
            Assert.AreEqual(optimizer.StepCount, restored.StepCount);
        }
    }

    [TestMethod]
    public void StateNamesFollowGroupParameterAndKind()
    {
        var a = MakeParameter([1.0, 2.0]);
        var b = MakeParameter([3.0]);
        var adam = new Adam([new ParameterGroup([a]), new ParameterGroup([b])], amsgrad: true);
        var names = adam.GetState().Slots.Select(s => s.Name).ToArray();
        CollectionAssert.AreEqual(new[]
        {
            "group0.param0.step", "group0.param0.exp_avg", "group0.param0.exp_avg_sq", "group0.param0.max_exp_avg_sq",
            "group1.param0.step", "group1.param0.exp_avg", "group1.param0.exp_avg_sq", "group1.param0.max_exp_avg_sq",
        }, names);
    }

    [TestMethod]
    public void StepCountsBeyondFloatPrecisionRoundTrip()
    {
        var p = MakeParameter([1.0]);
        var sgd = new Sgd(Single(p), 0.1f);
        long big = (1L << 40) + 12345;
        var slots = sgd.GetState().Slots;
        var state = new OptimizerState(big, [new OptimizerSlot(slots[0].Name, [big >> 24, big & 0xFFFFFF])]);
        sgd.SetState(state);
        var back = sgd.GetState();
        Assert.AreEqual(big, back.StepCount);
        CollectionAssert.AreEqual(state.Slots[0].Values, back.Slots[0].Values);
    }

    [TestMethod]
    public void MismatchedStateIsRejectedAndLeavesTheOptimizerUnchanged()
    {
        var p = MakeParameter([1.0, 2.0]);
        var sgd = new Sgd(Single(p), 0.1f, momentum: 0.9f);
        var adamState = new Adam(Single(MakeParameter([1.0, 2.0]))).GetState();
        var ex = Assert.ThrowsExactly<ArgumentException>(() => sgd.SetState(adamState));
        StringAssert.Contains(ex.Message, "slots, expected");

        var good = sgd.GetState();
        var renamed = new OptimizerState(5, [good.Slots[0], new OptimizerSlot("group0.param0.exp_avg", new float[2])]);
        ex = Assert.ThrowsExactly<ArgumentException>(() => sgd.SetState(renamed));
        StringAssert.Contains(ex.Message, "expected 'group0.param0.momentum_buffer'");

        var shortSlot = new OptimizerState(5, [good.Slots[0], new OptimizerSlot("group0.param0.momentum_buffer", new float[3])]);
        ex = Assert.ThrowsExactly<ArgumentException>(() => sgd.SetState(shortSlot));
        StringAssert.Contains(ex.Message, "has 3 values, expected 2");

        var badStep = new OptimizerState(5, [new OptimizerSlot("group0.param0.step", [0f, 0.5f]), good.Slots[1]]);
        ex = Assert.ThrowsExactly<ArgumentException>(() => sgd.SetState(badStep));
        StringAssert.Contains(ex.Message, "non-negative integers");

        Assert.AreEqual(0L, sgd.StepCount);
    }

    // ---- Behaviour ----

    [TestMethod]
    public void AdamMinimisesAQuadratic()
    {
        // f(x) = Σ c_i (x_i − t_i)², ill-conditioned (c from 1 to 100).
        double[] c = [1, 10, 100, 3];
        double[] target = [1.5, -2.0, 0.25, 3.0];
        var x = new Parameter("x", 4);
        var adam = new Adam(Single(x), 0.05f);
        double Loss() => Enumerable.Range(0, 4).Sum(i => c[i] * Math.Pow(x.Value[i] - target[i], 2));
        double initial = Loss();
        for (int t = 0; t < 2000; t++)
        {
            for (int i = 0; i < 4; i++) x.Gradient[i] = (float)(2 * c[i] * (x.Value[i] - target[i]));
            adam.Step();
        }
        Assert.IsLessThan(1e-6 * initial, Loss());
        for (int i = 0; i < 4; i++) Assert.AreEqual(target[i], x.Value[i], 1e-3);
    }

    [TestMethod]
    public void ZeroGradientsClearsEveryGroup()
    {
        var a = MakeParameter([1.0, 2.0]);
        var b = MakeParameter([3.0]);
        b.Frozen = true;
        var sgd = new Sgd([new ParameterGroup([a]), new ParameterGroup([b])], 0.1f);
        Array.Fill(a.Gradient, 5f);
        Array.Fill(b.Gradient, 5f);
        sgd.ZeroGradients();
        Assert.IsTrue(a.Gradient.All(g => g == 0f) && b.Gradient.All(g => g == 0f));
    }

    [TestMethod]
    public void StepDoesNotAllocateAfterTheFirstCall()
    {
        foreach (var make in AllKinds())
        {
            var w = new Parameter("w", 1000);
            var bias = new Parameter("b", 7) { NoWeightDecay = true };
            var optimizer = make([new ParameterGroup([w]), new ParameterGroup([bias], 0.5f, 0f)]);
            Array.Fill(w.Gradient, 0.01f);
            optimizer.Step();
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int t = 0; t < 50; t++) optimizer.Step();
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.AreEqual(0L, allocated, $"{optimizer.GetType().Name} allocated in Step");
        }
    }

    // ---- Validation ----

    [TestMethod]
    public void BadArgumentsGiveClearMessages()
    {
        var p = MakeParameter([1.0]);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Sgd(Single(p), -0.1f)).Message,
            "Learning rate must be finite and ≥ 0, got -0.1");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new Sgd(Single(p), 0.1f, nesterov: true)).Message,
            "Nesterov momentum requires momentum > 0");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new Sgd(Single(p), 0.1f, 0.9f, 0.1f, nesterov: true)).Message,
            "zero dampening");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Sgd(Single(p), 0.1f, momentum: -1f)).Message,
            "momentum");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Adam(Single(p), beta1: 1f)).Message,
            "beta1 must be in [0, 1), got 1");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new AdamW(Single(p), beta2: -0.1f)).Message,
            "beta2 must be in [0, 1)");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Adam(Single(p), epsilon: float.NaN)).Message,
            "epsilon");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new AdamW(Single(p), weightDecay: -1f)).Message,
            "weightDecay");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new Adadelta(Single(p), rho: 1.5f)).Message,
            "rho must be in [0, 1]");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new Sgd([new ParameterGroup([p]), new ParameterGroup([p])], 0.1f)).Message,
            "appears more than once");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new Sgd([], 0.1f)).Message, "at least one parameter group");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new Sgd([new ParameterGroup([])], 0.1f)).Message,
            "every group is empty");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ParameterGroup([p], -1f)).Message,
            "multiplier");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ParameterGroup([p], 1f, -0.5f)).Message,
            "weight decay");
        var sgd = new Sgd(Single(p), 0.1f);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => sgd.LearningRate = float.PositiveInfinity);
        Assert.AreEqual(0.1f, sgd.LearningRate);
    }
}

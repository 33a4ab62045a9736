using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Losses;
using MLNetMarginLoss.Heads;
using MLNetMarginLoss.TorchBackend.Modules;
using TorchSharp;
using static TorchSharp.torch;
using EngineTensor = MLNetMarginLoss.Engine.Tensor;
using Tensor = TorchSharp.torch.Tensor;

namespace MLNetMarginLoss.TorchBackend.Tests;

/// <summary>
/// The cross-backend oracle for the heads: with the same weights, embeddings and labels, the engine's hand-written
/// forward and backward and TorchSharp's autograd must give the same logits, loss (cross-entropy plus any auxiliary
/// term), ∂loss/∂embedding, ∂loss/∂weights and adaptive state. Two consecutive training passes per head, so that
/// state updated by the first (AdaCos's s, CurricularFace's t, AdaFace's statistics, SphereFace's λ) feeds the second.
/// </summary>
[TestClass]
public sealed class HeadAgreementTests
{
    /// <summary>float32 everywhere; the engine evaluates the target's margin in double, as does the twin.</summary>
    internal const double Tolerance = 1e-4;

    private const int Rows = 64, Embedding = 16, Classes = 10;

    public static IEnumerable<object[]> Cases =>
    [
        ["softmax", HeadKind.Softmax, new HeadOptions()],
        ["normsoftmax", HeadKind.NormSoftmax, new HeadOptions()],
        ["sphereface", HeadKind.SphereFace, new HeadOptions()],
        ["sphereface m=3, λ floor", HeadKind.SphereFace, new HeadOptions { Margin = 3, LambdaBase = 2, LambdaMin = 0.5 }],
        ["cosface", HeadKind.CosFace, new HeadOptions()],
        ["cosface K=3", HeadKind.CosFace, new HeadOptions { SubCenters = 3 }],
        ["arcface", HeadKind.ArcFace, new HeadOptions()],
        ["arcface s=30 m=0.5", HeadKind.ArcFace, new HeadOptions { Scale = 30, Margin = 0.5 }],
        ["arcface easy margin", HeadKind.ArcFace, new HeadOptions { EasyMargin = true }],
        ["arcface straight-through", HeadKind.ArcFace, new HeadOptions { StraightThrough = true }],
        ["arcface fallback m=1.4", HeadKind.ArcFace, new HeadOptions { Margin = 1.4 }],
        ["combined", HeadKind.Combined, new HeadOptions()],
        ["combined m1=2", HeadKind.Combined, new HeadOptions { M1 = 2, M2 = 0.2, M3 = 0.1 }],
        ["adacos", HeadKind.AdaCos, new HeadOptions()],
        ["subcenter", HeadKind.SubCenter, new HeadOptions()],
        ["curricular", HeadKind.Curricular, new HeadOptions()],
        ["curricular momentum 0.5", HeadKind.Curricular, new HeadOptions { Momentum = 0.5 }],
        ["magface", HeadKind.MagFace, new HeadOptions()],
        ["magface straight-through", HeadKind.MagFace, new HeadOptions { StraightThrough = true }],
        ["adaface", HeadKind.AdaFace, new HeadOptions()],
        ["adaface momentum 0.5", HeadKind.AdaFace, new HeadOptions { Momentum = 0.5 }],
        ["elasticface", HeadKind.ElasticFace, new HeadOptions()],
        ["elasticface cos", HeadKind.ElasticFace, new HeadOptions { ElasticCosine = true }],
    ];

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void HeadAgreesWithEngine(string name, HeadKind kind, HeadOptions options)
    {
        var result = Compare(kind, options, seed: StableSeed(name));
        Console.WriteLine($"{name}: {result}");
    }

    /// <summary>The softmax warm-up path (margin off): plain s·cos θ, no state update, no auxiliary loss.</summary>
    [TestMethod]
    [DataRow(HeadKind.ArcFace)]
    [DataRow(HeadKind.AdaCos)]
    [DataRow(HeadKind.Curricular)]
    [DataRow(HeadKind.MagFace)]
    [DataRow(HeadKind.ElasticFace)]
    public void WarmupPathAgreesWithEngine(HeadKind kind)
    {
        var result = Compare(kind, new HeadOptions(), seed: 77, marginEnabled: false);
        Console.WriteLine($"{kind} (margin off): {result}");
    }

    internal static int StableSeed(string name) => name.Aggregate(17, (h, c) => unchecked(h * 31 + c)) & 0xffff;

    /// <summary>
    /// Partial FC: the engine head with a sampler and the twin given the same sampled centre rows agree on the logits over
    /// the sampled columns, the loss against the re-mapped labels, ∂loss/∂embedding, and the gradient of exactly the
    /// sampled centres (every other centre gets none).
    /// </summary>
    [TestMethod]
    [DataRow(HeadKind.ArcFace, 1)]
    [DataRow(HeadKind.CosFace, 3)]
    [DataRow(HeadKind.AdaCos, 1)]
    [DataRow(HeadKind.Curricular, 1)]
    [DataRow(HeadKind.MagFace, 1)]
    [DataRow(HeadKind.ElasticFace, 1)]
    public void PartialFcAgreesWithEngine(HeadKind kind, int subCenters)
    {
        var result = Compare(kind, new HeadOptions { SubCenters = subCenters }, seed: 91 + (int)kind, classes: 2000, sampleRate: 0.1);
        Console.WriteLine($"{kind} K={subCenters} (Partial FC r = 0.1 of 2,000): {result}");
    }

    /// <summary>Max relative differences over both passes.</summary>
    internal sealed record Differences(double Logits, double Loss, double Embedding, double Weights, double State)
    {
        public override string ToString() =>
            $"logits {Agreement.Format(Logits)}, loss {Agreement.Format(Loss)}, ∂loss/∂embedding {Agreement.Format(Embedding)}, ∂loss/∂weights {Agreement.Format(Weights)}, state {Agreement.Format(State)}";
    }

    internal static Differences Compare(HeadKind kind, HeadOptions options, int seed, double tolerance = Tolerance, bool marginEnabled = true,
        int classes = Classes, double sampleRate = 1)
    {
        var device = TestDevice.Device;
        var random = new SeededRandom(seed);
        var engine = HeadFactory.Create(kind, Embedding, classes, options);
        engine.Initialize(random.Fork());
        using var twin = TorchHead.Create(engine, device);
        // With Partial FC the engine samples with its own sampler; the twin is handed the columns an identically seeded one draws.
        var sampler = sampleRate < 1 ? new PartialFcSampler(classes, sampleRate) : null;
        if (sampler is not null) ((CosineMarginHead)engine).Sampler = new PartialFcSampler(classes, sampleRate);
        engine.SeedRandomness(new SeededRandom(seed + 1));
        var twinRandom = new SeededRandom(seed + 1);
        twin.SeedRandomness(twinRandom);
        sampler?.Seed(twinRandom.Fork());
        engine.MarginEnabled = twin.MarginEnabled = marginEnabled;
        var initialState = engine.Buffers.Select(b => b.Value.ToArray()).ToList();
        // MagFace's margin and regulariser act between l_a = 10 and u_a = 110: spread the norms across (and beyond) that range.
        (double lo, double hi) norms = kind == HeadKind.MagFace ? (5, 120) : (0.5, 20);
        double logits = 0, loss = 0, embedding = 0, weights = 0, state = 0;
        for (int pass = 0; pass < 2; pass++)
        {
            var (x, labels) = Batch(random, norms, classes);
            var ce = new SoftmaxCrossEntropy();
            var engineLogits = engine.Forward(new EngineTensor(x, Rows, TensorShape.Vector(Embedding)), labels, training: true);
            var columnLabels = engine.ColumnLabels.ToArray();
            double engineLoss = ce.Forward(engineLogits, columnLabels) + (marginEnabled ? engine.AuxiliaryLoss : 0); // as the trainers add it
            var engineLogitValues = engineLogits.Span.ToArray();
            var engineDx = engine.Backward(ce.Gradient).Span.ToArray();

            using var scope = NewDisposeScope();
            var xt = tensor(x, [Rows, Embedding], ScalarType.Float32, device).requires_grad_(true);
            Tensor? centreRows = null;
            long[] sampledRows = [];
            if (sampler is not null)
            {
                var columns = new int[sampler.MaxColumns(Rows)];
                var twinLabels = new int[Rows];
                int count = sampler.Sample(labels, columns, twinLabels);
                CollectionAssert.AreEqual(columnLabels, twinLabels, "the same columns");
                Assert.IsTrue(count < classes, "the test must sample");
                int k = ((CosineMarginHead)engine).SubCenters;
                sampledRows = Enumerable.Range(0, count * k).Select(r => (long)columns[r / k] * k + r % k).ToArray();
                centreRows = tensor(sampledRows, ScalarType.Int64, device);
            }
            var yt = tensor(columnLabels.Select(l => (long)l).ToArray(), ScalarType.Int64, device);
            var torchLogits = twin.Forward(xt, yt, training: true, centreRows);
            var torchLoss = nn.functional.cross_entropy(torchLogits, yt);
            if (twin.AuxiliaryLoss is { } aux) torchLoss = torchLoss + aux;
            foreach (var (_, p) in twin.named_parameters()) p.grad?.zero_();
            torchLoss.backward();

            string at = $"{kind} pass {pass}";
            logits = Math.Max(logits, Agreement.Check($"{at} logits", torchLogits, engineLogitValues, tolerance));
            double lossDiff = Math.Abs(torchLoss.item<float>() - engineLoss) / Math.Abs(engineLoss);
            Assert.IsTrue(lossDiff <= tolerance, $"{at} loss: {torchLoss.item<float>()} vs {engineLoss}");
            loss = Math.Max(loss, lossDiff);
            embedding = Math.Max(embedding, Agreement.Check($"{at} ∂loss/∂embedding", xt.grad!, engineDx, tolerance));
            foreach (var (t, p) in twin.PairParameters(engine))
                weights = Math.Max(weights, Agreement.Check($"{at} ∂loss/∂{p.Name}", t.grad!, p.Gradient, tolerance));
            if (engine is CosineMarginHead cosine)
            {
                var centres = cosine.Centers;
                int e = centres.EmbeddingSize;
                var engineDw = new float[centres.RowCount * e];
                for (int i = 0; i < centres.GradientRows.Length; i++) centres.GradientRow(i).CopyTo(engineDw.AsSpan((int)centres.GradientRows[i] * e, e));
                var torchGrad = Agreement.Host(((TorchCosineHead)twin).ActiveCentres.grad!);
                var torchDw = new float[engineDw.Length];
                if (sampler is null) torchGrad.CopyTo(torchDw, 0);
                else for (int i = 0; i < sampledRows.Length; i++) torchGrad.AsSpan(i * e, e).CopyTo(torchDw.AsSpan((int)sampledRows[i] * e, e));
                if (sampler is not null)
                    for (int r = 0; r < centres.RowCount; r++)
                        if (!sampledRows.Contains(r)) Assert.IsTrue(engineDw.AsSpan(r * e, e).ToArray().All(v => v == 0), $"{at}: centre row {r} was not sampled");
                weights = Math.Max(weights, Agreement.Check($"{at} ∂loss/∂weight", tensor(torchDw), engineDw, tolerance));
            }
            var named = twin.NamedState();
            foreach (var b in engine.Buffers)
                state = Math.Max(state, Agreement.Check($"{at} buffer {b.Name}", named[b.Name], b.Value, tolerance));
        }
        // Adaptive state must have moved with the margin on (and stayed put with it off), or the comparison above proves little.
        for (int i = 0; i < engine.Buffers.Count; i++)
        {
            bool moved = !engine.Buffers[i].Value.SequenceEqual(initialState[i]);
            Assert.AreEqual(marginEnabled, moved, $"{kind}: buffer {engine.Buffers[i].Name} {(moved ? "changed" : "did not change")} with the margin {(marginEnabled ? "on" : "off")}");
        }
        return new Differences(logits, loss, embedding, weights, state);
    }

    private static (float[] X, int[] Labels) Batch(SeededRandom random, (double Lo, double Hi) norms, int classes)
    {
        var x = new float[Rows * Embedding];
        var labels = new int[Rows];
        for (int i = 0; i < Rows; i++)
        {
            double sum = 0;
            for (int j = 0; j < Embedding; j++)
            {
                double v = random.NextGaussian();
                x[i * Embedding + j] = (float)v;
                sum += v * v;
            }
            double norm = norms.Lo + (norms.Hi - norms.Lo) * random.NextDouble();
            for (int j = 0; j < Embedding; j++) x[i * Embedding + j] = (float)(x[i * Embedding + j] * norm / Math.Sqrt(sum));
            labels[i] = random.NextInt(classes);
        }
        return (x, labels);
    }
}

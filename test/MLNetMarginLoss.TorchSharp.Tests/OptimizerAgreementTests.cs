using MLNetMarginLoss.Encoders;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Optimizers;
using MLNetMarginLoss.Engine.Schedules;
using MLNetMarginLoss.Heads;
using MLNetMarginLoss.TorchBackend.Modules;
using MLNetMarginLoss.TorchBackend.Training;
using MLNetMarginLoss.Training;
using TorchSharp;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace MLNetMarginLoss.TorchBackend.Tests;

/// <summary>
/// The same options mean the same update on both backends: TorchSharp's optimizers over the engine's parameter groups
/// (head learning-rate multiplier, biases and normalisation parameters exempt from weight decay, frozen layers) move
/// the weights exactly as the engine's optimizers do, and their state converts to the engine's checkpoint slots and back.
/// </summary>
[TestClass]
public sealed class OptimizerAgreementTests
{
    public static IEnumerable<object[]> Cases =>
    [
        ["adam", new ArcFaceTrainer.Options { Optimizer = OptimizerKind.Adam, LearningRate = 1e-2f, WeightDecay = 1e-2f }],
        ["adamw", new ArcFaceTrainer.Options { Optimizer = OptimizerKind.AdamW, LearningRate = 1e-2f, WeightDecay = 0.1f }],
        ["sgd momentum", new ArcFaceTrainer.Options { Optimizer = OptimizerKind.Sgd, LearningRate = 0.05f, Momentum = 0.9f, WeightDecay = 1e-3f }],
        ["sgd nesterov", new ArcFaceTrainer.Options { Optimizer = OptimizerKind.Sgd, LearningRate = 0.05f, Momentum = 0.8f, Nesterov = true }],
        ["sgd plain", new ArcFaceTrainer.Options { Optimizer = OptimizerKind.Sgd, LearningRate = 0.05f, Momentum = 0f, WeightDecay = 1e-3f }],
        ["adadelta", new ArcFaceTrainer.Options { Optimizer = OptimizerKind.Adadelta, LearningRate = 1f, WeightDecay = 1e-3f }],
    ];

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void UpdatesAgreeWithEngine(string name, ArcFaceTrainer.Options options)
    {
        options.HeadLearningRateMultiplier = 0.5f;
        var device = TestDevice.Device;
        var spec = new EncoderSpec { InputShape = new(1, 4, 4), HiddenSizes = [8], EmbeddingSize = 4, BatchNorm = true };
        var encoder = Encoder.Build(spec, new SeededRandom(1));
        encoder.FreezeLayers(1);
        var head = HeadFactory.Create(HeadKind.Softmax, 4, 3); // dense head parameters (class centres: CentreRowUpdatesAgreeWithEngine)
        head.Initialize(new SeededRandom(2));
        using var twinEncoder = new TorchEncoder(encoder, device);
        using var twinHead = TorchHead.Create(head, device);
        var engine = OptimizerFactory.Create(options.ToSettings(),
        [
            new ParameterGroup(encoder.Network.AllParameters().ToList()),
            new ParameterGroup(head.Parameters.ToList(), options.HeadLearningRateMultiplier),
        ]);
        using var twin = new TorchOptimizer(options.ToSettings(), [(1f, twinEncoder.PairParameters(encoder)), (0.5f, twinHead.PairParameters(head))]);
        var pairs = twinEncoder.PairParameters(encoder).Concat(twinHead.PairParameters(head)).ToList();
        var frozen = pairs.Where(p => p.Engine.Frozen).Select(p => p.Engine.Value.ToArray()).ToList();
        var random = new SeededRandom(3);
        float[] rates = [options.LearningRate, options.LearningRate * 0.5f, options.LearningRate * 0.25f, options.LearningRate];

        for (int step = 0; step < rates.Length; step++)
        {
            if (step == 2)
            {
                // Resume through the engine's checkpoint slots: the twin's state goes out and comes back.
                var saved = twin.ToEngineState();
                AssertSameState(engine.GetState(), saved);
                twin.LoadEngineState(saved);
            }
            foreach (var (_, p) in pairs)
                for (int i = 0; i < p.Length; i++) p.Gradient[i] = (float)random.NextGaussian();
            engine.LearningRate = rates[step];
            engine.Step();

            twin.ZeroGrad();
            using (var scope = NewDisposeScope())
            {
                Tensor? loss = null;
                foreach (var (t, p) in pairs)
                {
                    if (!t.requires_grad) continue;
                    var g = tensor(p.Gradient, p.Dims.Select(d => (long)d).ToArray(), ScalarType.Float32, device);
                    var term = (t * g).sum();
                    loss = loss is null ? term : loss + term;
                }
                loss!.backward();
            }
            twin.SetLearningRate(rates[step]);
            twin.Step();
            foreach (var (t, p) in pairs)
                Agreement.Check($"{name} step {step} {p.Name}", t, p.Value, 1e-5);
        }
        var stillFrozen = pairs.Where(p => p.Engine.Frozen).Select(p => p.Engine.Value).ToList();
        for (int i = 0; i < frozen.Count; i++) CollectionAssert.AreEqual(frozen[i], stillFrozen[i], "frozen parameters do not move");
        AssertSameState(engine.GetState(), twin.ToEngineState());
    }

    /// <summary>A fresh TorchSharp optimizer that loads the engine's state continues exactly as the engine does.</summary>
    [TestMethod]
    public void EngineStateLoadsIntoTorchSharp()
    {
        var options = new ArcFaceTrainer.Options { Optimizer = OptimizerKind.Adam, LearningRate = 1e-2f };
        var device = TestDevice.Device;
        var encoder = Encoder.Build(new EncoderSpec { InputShape = new(1, 3, 3), HiddenSizes = [5], EmbeddingSize = 3 }, new SeededRandom(4));
        var head = HeadFactory.Create(HeadKind.Softmax, 3, 2);
        var engine = OptimizerFactory.Create(options.ToSettings(), [new ParameterGroup(encoder.Network.AllParameters().ToList()), new ParameterGroup(head.Parameters.ToList())]);
        var random = new SeededRandom(5);
        var parameters = encoder.Network.AllParameters().Concat(head.Parameters).ToList();
        void RandomGradients() { foreach (var p in parameters) for (int i = 0; i < p.Length; i++) p.Gradient[i] = (float)random.NextGaussian(); }
        RandomGradients();
        engine.Step();
        engine.Step();

        using var twinEncoder = new TorchEncoder(encoder, device);
        using var twinHead = TorchHead.Create(head, device);
        using var twin = new TorchOptimizer(options.ToSettings(), [(1f, twinEncoder.PairParameters(encoder)), (1f, twinHead.PairParameters(head))]);
        twin.LoadEngineState(engine.GetState());
        RandomGradients();
        engine.Step();
        var pairs = twinEncoder.PairParameters(encoder).Concat(twinHead.PairParameters(head)).ToList();
        using (var scope = NewDisposeScope())
        {
            var loss = pairs.Select(p => (p.Torch * tensor(p.Engine.Gradient, p.Engine.Dims.Select(d => (long)d).ToArray(), ScalarType.Float32, device)).sum()).Aggregate((a, b) => a + b);
            loss.backward();
        }
        twin.SetLearningRate(options.LearningRate);
        twin.Step();
        foreach (var (t, p) in pairs) Agreement.Check($"after resume {p.Name}", t, p.Value, 1e-5);
    }

    public static IEnumerable<object[]> RowOptimizerCases =>
    [
        ["Adam", new ArcFaceTrainer.Options { Optimizer = OptimizerKind.Adam, LearningRate = 1e-2f, WeightDecay = 1e-3f }],
        ["AdamW", new ArcFaceTrainer.Options { Optimizer = OptimizerKind.AdamW, LearningRate = 1e-2f, WeightDecay = 0.05f }],
        ["SGD Nesterov", new ArcFaceTrainer.Options { Optimizer = OptimizerKind.Sgd, LearningRate = 0.1f, Momentum = 0.9f, Nesterov = true, WeightDecay = 1e-3f }],
        ["SGD plain", new ArcFaceTrainer.Options { Optimizer = OptimizerKind.Sgd, LearningRate = 0.1f, Momentum = 0 }],
        ["Adadelta", new ArcFaceTrainer.Options { Optimizer = OptimizerKind.Adadelta, LearningRate = 1f, WeightDecay = 1e-3f }],
    ];

    /// <summary>
    /// The class centres' lazy row updates (Partial FC): the engine's <see cref="RowOptimizer"/> and the device's
    /// <see cref="TorchRowOptimizer"/> give the same rows after steps over different row subsets (rows sampled 0, 1, 2, 3
    /// times, so their own step counts and bias corrections differ), every row untouched by a step keeps its value, and the
    /// state moves between them through the checkpoint format.
    /// </summary>
    [TestMethod]
    [DynamicData(nameof(RowOptimizerCases))]
    public void CentreRowUpdatesAgreeWithEngine(string name, ArcFaceTrainer.Options options)
    {
        options.HeadLearningRateMultiplier = 0.5f;
        var settings = options.ToSettings();
        const int rows = 7, cols = 5;
        var random = new SeededRandom(StableSeedOf(name));
        var values = new RowMatrix(rows, cols);
        foreach (ref var v in values.Page(0).AsSpan()) v = (float)random.NextGaussian();
        var encoder = Encoder.Build(new EncoderSpec { InputShape = new(1, 2, 2), HiddenSizes = [3], EmbeddingSize = 2 }, new SeededRandom(1));
        var rule = OptimizerFactory.Create(settings, [new ParameterGroup(encoder.Network.AllParameters().ToList())]);
        var engine = new RowOptimizer(rule, values, options.HeadLearningRateMultiplier);
        using var scope = NewDisposeScope();
        var deviceValues = tensor(values.Page(0).ToArray(), [rows, cols], ScalarType.Float32, TestDevice.Device);
        using var twin = new TorchRowOptimizer(settings, deviceValues);
        long[][] subsets = [[0, 1, 2, 3, 4, 5, 6], [1, 3, 5], [3, 5], [5]];
        float[] rates = [options.LearningRate, options.LearningRate * 0.5f, options.LearningRate, options.LearningRate * 2];
        for (int step = 0; step < subsets.Length; step++)
        {
            var subset = subsets[step];
            var gradient = new float[subset.Length * cols];
            for (int i = 0; i < gradient.Length; i++) gradient[i] = (float)random.NextGaussian();
            var before = values.Page(0).ToArray();
            rule.LearningRate = rates[step];
            engine.Step(subset, i => gradient.AsSpan(i * cols, cols));
            bool all = subset.Length == rows;
            twin.Step(all ? null : subset, all ? null : tensor(subset, ScalarType.Int64, TestDevice.Device),
                tensor(gradient, [subset.Length, cols], ScalarType.Float32, TestDevice.Device), rates[step]);
            Agreement.Check($"{name} step {step}", deviceValues, values.Page(0), 1e-5);
            for (int r = 0; r < rows; r++)
                if (!subset.Contains(r))
                    CollectionAssert.AreEqual(before.AsSpan(r * cols, cols).ToArray(), values.Row(r).ToArray(), $"{name} step {step}: unsampled row {r} must not move");
        }
        var state = engine.GetState("centers").ToDictionary(s => s.Name, s => s.Values);
        var twinState = twin.GetState("centers").ToDictionary(s => s.Name, s => s.Values);
        CollectionAssert.AreEquivalent(state.Keys.ToList(), twinState.Keys.ToList());
        foreach (var (slot, data) in state)
            Assert.IsTrue(Agreement.Relative(twinState[slot], data) <= 1e-5, $"{name} slot {slot}");
        twin.SetState("centers", state);
        engine.SetState("centers", twinState);
    }

    private static int StableSeedOf(string name) => HeadAgreementTests.StableSeed(name);

    private static void AssertSameState(OptimizerState expected, OptimizerState actual)
    {
        Assert.AreEqual(expected.StepCount, actual.StepCount);
        CollectionAssert.AreEqual(expected.Slots.Select(s => s.Name).ToList(), actual.Slots.Select(s => s.Name).ToList());
        for (int i = 0; i < expected.Slots.Count; i++)
        {
            double r = Agreement.Relative(actual.Slots[i].Values, expected.Slots[i].Values);
            Assert.IsTrue(r <= 1e-5, $"slot {expected.Slots[i].Name}: relative difference {r:E2}");
        }
    }
}

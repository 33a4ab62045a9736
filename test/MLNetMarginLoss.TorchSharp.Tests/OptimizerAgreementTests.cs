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
        var head = HeadFactory.Create(HeadKind.ArcFace, 4, 3);
        head.Initialize(new SeededRandom(2));
        using var twinEncoder = new TorchEncoder(encoder, device);
        using var twinHead = TorchHead.Create(head, device);
        var engine = OptimizerFactory.Create(options,
        [
            new ParameterGroup(encoder.Network.AllParameters().ToList()),
            new ParameterGroup(head.Parameters.ToList(), options.HeadLearningRateMultiplier),
        ]);
        using var twin = new TorchOptimizer(options, [(1f, twinEncoder.PairParameters(encoder)), (0.5f, twinHead.PairParameters(head))]);
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
        var head = HeadFactory.Create(HeadKind.CosFace, 3, 2);
        var engine = OptimizerFactory.Create(options, [new ParameterGroup(encoder.Network.AllParameters().ToList()), new ParameterGroup(head.Parameters.ToList())]);
        var random = new SeededRandom(5);
        var parameters = encoder.Network.AllParameters().Concat(head.Parameters).ToList();
        void RandomGradients() { foreach (var p in parameters) for (int i = 0; i < p.Length; i++) p.Gradient[i] = (float)random.NextGaussian(); }
        RandomGradients();
        engine.Step();
        engine.Step();

        using var twinEncoder = new TorchEncoder(encoder, device);
        using var twinHead = TorchHead.Create(head, device);
        using var twin = new TorchOptimizer(options, [(1f, twinEncoder.PairParameters(encoder)), (1f, twinHead.PairParameters(head))]);
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

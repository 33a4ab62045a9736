using MLNetMarginLoss.Encoders;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Layers;
using MLNetMarginLoss.Engine.Losses;
using MLNetMarginLoss.Heads;
using MLNetMarginLoss.TorchBackend.Modules;
using TorchSharp;
using static TorchSharp.torch;
using EngineTensor = MLNetMarginLoss.Engine.Tensor;

namespace MLNetMarginLoss.TorchBackend.Tests;

/// <summary>
/// The cross-backend oracle for the encoders: each encoder with an ArcFace head and cross-entropy, the same weights,
/// batch, dropout masks and ReLU branches (the twin replays the engine's masks: a pre-activation within float rounding of
/// zero may otherwise fall on different sides in the two backends and switch a unit's whole gradient on in one and off
/// in the other), in training mode. Embeddings, logits, loss,
/// ∂loss/∂embedding, ∂loss/∂(every encoder and head weight) and the batch-norm running statistics must agree, and the
/// twin's tensors must carry exactly the engine's names and shapes.
/// </summary>
[TestClass]
public sealed class EncoderAgreementTests
{
    /// <summary>
    /// float32 GEMMs and convolutions in different summation orders (the engine's blocked kernels, libtorch's oneDNN /
    /// cuDNN): agreement is at the 1e-6 level, well within the 1e-4 asked for.
    /// </summary>
    private const double Tolerance = 1e-4;

    private const int Rows = 16, Classes = 5;

    public static IEnumerable<object[]> Cases =>
    [
        ["mlp (default: 784-512-256-128)", new EncoderSpec()],
        ["mlp batch norm + dropout", new EncoderSpec { Kind = EncoderKind.Mlp, InputShape = new(1, 12, 12), HiddenSizes = [32, 24], EmbeddingSize = 8, BatchNorm = true, Dropout = 0.3f }],
        ["cnn (the seed's, 28×28)", new EncoderSpec { Kind = EncoderKind.Cnn }],
        ["cnn 3×12×12", new EncoderSpec { Kind = EncoderKind.Cnn, InputShape = new(3, 12, 12), EmbeddingSize = 8 }],
        ["resnet (default widths, 1×16×16)", new EncoderSpec { Kind = EncoderKind.ResNet, InputShape = new(1, 16, 16) }],
        ["resnet", new EncoderSpec { Kind = EncoderKind.ResNet, InputShape = new(3, 10, 10), StageWidths = [8, 16], BlocksPerStage = 1, EmbeddingSize = 8 }],
        ["resnet 2 blocks", new EncoderSpec { Kind = EncoderKind.ResNet, InputShape = new(1, 9, 9), StageWidths = [4, 8, 8], BlocksPerStage = 2, EmbeddingSize = 6 }],
    ];

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void EncoderAgreesWithEngine(string name, EncoderSpec spec)
    {
        var device = TestDevice.Device;
        var random = new SeededRandom(HeadAgreementTests.StableSeed(name));
        var encoder = Encoder.Build(spec, random.Fork());
        var head = HeadFactory.Create(HeadKind.ArcFace, spec.EmbeddingSize, Classes, new HeadOptions { Scale = 16 });
        head.Initialize(random.Fork());
        using var twinEncoder = new TorchEncoder(encoder, device);
        using var twinHead = TorchHead.Create(head, device);
        AssertSameTensors(encoder, twinEncoder);

        encoder.Network.SeedRandomness(new SeededRandom(9));
        twinEncoder.ReplayEngineMasks = true;
        twinEncoder.SeedRandomness(new SeededRandom(9));
        twinEncoder.Train(true);

        double worst = 0;
        for (int pass = 0; pass < 2; pass++)
        {
            var x = new float[Rows * spec.InputShape.Size];
            for (int i = 0; i < x.Length; i++) x[i] = (float)random.NextGaussian();
            var labels = Enumerable.Range(0, Rows).Select(_ => random.NextInt(Classes)).ToArray();

            var ce = new SoftmaxCrossEntropy();
            var engineEmbeddings = encoder.Forward(new EngineTensor(x, Rows, spec.InputShape), training: true).Span.ToArray();
            var engineLogits = head.Forward(new EngineTensor(engineEmbeddings, Rows, TensorShape.Vector(spec.EmbeddingSize)), labels, training: true);
            double engineLoss = ce.Forward(engineLogits, labels);
            var engineLogitValues = engineLogits.Span.ToArray();
            var engineDEmbedding = head.Backward(ce.Gradient);
            var dEmbedding = engineDEmbedding.Span.ToArray();
            encoder.Backward(engineDEmbedding);

            using var scope = NewDisposeScope();
            var xt = tensor(x, [Rows, spec.InputShape.Channels, spec.InputShape.Height, spec.InputShape.Width], ScalarType.Float32, device);
            var yt = tensor(labels.Select(l => (long)l).ToArray(), ScalarType.Int64, device);
            twinEncoder.ReplayedReluMasks = EngineReluMasks(encoder.Network);
            var embeddings = twinEncoder.Forward(xt);
            Assert.AreEqual(0, twinEncoder.ReplayedReluMasks.Count, "every engine ReLU mask was used once");
            twinEncoder.ReplayedReluMasks = null;
            embeddings.retain_grad();
            var logits = twinHead.Forward(embeddings, yt, training: true);
            var loss = nn.functional.cross_entropy(logits, yt);
            twinEncoder.Network.zero_grad();
            twinHead.zero_grad();
            loss.backward();

            string at = $"{name} pass {pass}";
            worst = Math.Max(worst, Agreement.Check($"{at} embeddings", embeddings, engineEmbeddings, Tolerance));
            worst = Math.Max(worst, Agreement.Check($"{at} logits", logits, engineLogitValues, Tolerance));
            double lossDiff = Math.Abs(loss.item<float>() - engineLoss) / engineLoss;
            Assert.IsTrue(lossDiff <= Tolerance, $"{at} loss {loss.item<float>()} vs {engineLoss}");
            worst = Math.Max(worst, Agreement.Check($"{at} ∂loss/∂embedding", embeddings.grad!, dEmbedding, Tolerance));
            var names = encoder.Network.NamedState().Where(s => !s.IsBuffer).ToDictionary(s => s.Parameter, s => s.Name);
            double largest = encoder.Network.AllParameters().Max(p => Agreement.MaxAbs(p.Gradient));
            foreach (var (t, p) in twinEncoder.PairParameters(encoder))
            {
                if (ZeroByConstruction(encoder, names[p]))
                {
                    // A bias just before batch norm: its exact gradient is 0 (training-mode batch norm subtracts the batch
                    // mean), so both backends return rounding noise. Check that it is noise on both sides.
                    Assert.IsTrue(Agreement.MaxAbs(p.Gradient) <= 1e-5 * largest, $"{at} engine ∂loss/∂{names[p]}");
                    Assert.IsTrue(Agreement.MaxAbs(Agreement.Host(t.grad!)) <= 1e-5 * largest, $"{at} TorchSharp ∂loss/∂{names[p]}");
                    continue;
                }
                worst = Math.Max(worst, Agreement.Check($"{at} ∂loss/∂{names[p]}", t.grad!, p.Gradient, Tolerance));
            }
            foreach (var (t, p) in twinHead.PairParameters(head))
                worst = Math.Max(worst, Agreement.Check($"{at} ∂loss/∂head.{p.Name}", t.grad!, p.Gradient, Tolerance));
            var state = twinEncoder.NamedState();
            foreach (var (stateName, p, isBuffer) in encoder.Network.NamedState())
                if (isBuffer) worst = Math.Max(worst, Agreement.Check($"{at} {stateName}", state[stateName], p.Value, Tolerance));
        }

        // Inference mode (running statistics, no dropout) agrees too.
        twinEncoder.Train(false);
        var probe = new float[Rows * spec.InputShape.Size];
        for (int i = 0; i < probe.Length; i++) probe[i] = (float)random.NextGaussian();
        var engineInference = encoder.Forward(new EngineTensor(probe, Rows, spec.InputShape), training: false).Span.ToArray();
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var t = tensor(probe, [Rows, spec.InputShape.Channels, spec.InputShape.Height, spec.InputShape.Width], ScalarType.Float32, device);
            worst = Math.Max(worst, Agreement.Check($"{name} inference embeddings", twinEncoder.Forward(t), engineInference, Tolerance));
        }
        Console.WriteLine($"{name}: max relative difference {Agreement.Format(worst)}");
    }

    [TestMethod]
    public void WeightsRoundTripByName()
    {
        var spec = new EncoderSpec { Kind = EncoderKind.ResNet, InputShape = new(1, 8, 8), StageWidths = [4, 8], EmbeddingSize = 4 };
        var a = Encoder.Build(spec, new SeededRandom(1));
        var b = Encoder.Build(spec, new SeededRandom(2));
        using var twin = new TorchEncoder(a, TestDevice.Device);
        twin.CopyTo(b);
        foreach (var ((name, p, _), (_, q, _)) in a.Network.NamedState().Zip(b.Network.NamedState()))
            CollectionAssert.AreEqual(p.Value, q.Value, name);
    }

    [TestMethod]
    public void FrozenEngineLayersHaveNoGradient()
    {
        var spec = new EncoderSpec { Kind = EncoderKind.Mlp, InputShape = new(1, 4, 4), HiddenSizes = [8, 8], EmbeddingSize = 4 };
        var encoder = Encoder.Build(spec, new SeededRandom(1));
        encoder.FreezeLayers(2);
        using var twin = new TorchEncoder(encoder, TestDevice.Device);
        var frozen = twin.PairParameters(encoder).Where(p => !p.Torch.requires_grad).Select(p => p.Engine).ToList();
        CollectionAssert.AreEquivalent(encoder.Network.AllParameters().Where(p => p.Frozen).ToList(), frozen);
        Assert.AreEqual(4, frozen.Count, "weight and bias of the first two linear layers");
    }

    /// <summary>The replayed masks are the engine's: its Dropout layer on a tensor of ones gives the mask itself.</summary>
    [TestMethod]
    [DataRow(0.25, 1001)]
    [DataRow(0.5, 64)]
    [DataRow(0.1, 257)]
    public void ReplayedDropoutMasksAreTheEngines(double p, int length)
    {
        var engine = new Dropout(p);
        engine.SeedRandomness(new SeededRandom(3));
        var ones = new EngineTensor(Enumerable.Repeat(1f, length).ToArray(), 1, TensorShape.Vector(length));
        var expected = engine.Forward(ones, training: true).Span.ToArray();
        using var twin = new EngineDropout(p);
        twin.Seed(new SeededRandom(3).Fork());
        CollectionAssert.AreEqual(expected, twin.EngineMask(length));
        Assert.IsTrue(expected.Any(v => v == 0) && expected.Any(v => v != 0));
    }

    /// <summary>The engine's ReLU decisions of its last forward pass (1 where the output is positive), in forward order.</summary>
    private static Queue<float[]> EngineReluMasks(Layer network)
    {
        var masks = new Queue<float[]>();
        void Collect(Layer layer)
        {
            switch (layer)
            {
                case ReLU relu:
                    masks.Enqueue(Mask(relu.Output));
                    break;
                case ResidualBlock block:
                    masks.Enqueue(Mask(block.InnerRelu.Output));
                    masks.Enqueue(Mask(block.Output));
                    break;
                default:
                    foreach (var (_, child) in layer.Children) Collect(child);
                    break;
            }
        }
        Collect(network);
        return masks;
    }

    private static float[] Mask(EngineTensor output) => output.Span.ToArray().Select(v => v > 0 ? 1f : 0f).ToArray();

    private static bool ZeroByConstruction(Encoder encoder, string name)
    {
        var parts = name.Split('.');
        if (parts.Length != 2 || parts[1] != "bias" || !int.TryParse(parts[0], out int i)) return false;
        var layers = encoder.Network.Layers;
        return i + 1 < layers.Count && layers[i] is Linear && layers[i + 1] is BatchNorm;
    }

    private static void AssertSameTensors(Encoder encoder, TorchEncoder twin)
    {
        var state = twin.NamedState();
        var expected = encoder.Network.NamedState().ToDictionary(s => s.Name, s => s.Parameter.Dims);
        CollectionAssert.AreEquivalent(expected.Keys.ToList(), state.Keys.ToList());
        foreach (var (name, dims) in expected)
            CollectionAssert.AreEqual(dims.Select(d => (long)d).ToArray(), state[name].shape, name);
    }
}

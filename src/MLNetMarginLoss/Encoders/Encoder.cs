using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Layers;

namespace MLNetMarginLoss.Encoders;

/// <summary>
/// A network that maps input samples to embeddings (not normalised; heads and the embedding extractor
/// normalise). Built from an <see cref="EncoderSpec"/> by <see cref="Build"/>.
/// </summary>
internal sealed class Encoder
{
    /// <summary>The index of the Linear layer the last forward pass fed sparse rows, or −1 after a dense pass.</summary>
    private int _sparseFirst = -1;

    private Encoder(EncoderSpec spec, Sequential network)
    {
        Spec = spec;
        Network = network;
    }

    /// <summary>The architecture.</summary>
    public EncoderSpec Spec { get; }

    /// <summary>The layers; its children are the encoder's top-level layers ("0", "1", …).</summary>
    public Sequential Network { get; }

    /// <summary>Embedding dimension.</summary>
    public int EmbeddingSize => Spec.EmbeddingSize;

    /// <summary>Kernels the encoder runs on.</summary>
    public ComputeContext Context
    {
        get => Network.Context;
        set => Network.Context = value;
    }

    /// <summary>Builds the encoder described by <paramref name="spec"/> and initialises it from <paramref name="random"/>.</summary>
    public static Encoder Build(EncoderSpec spec, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        var layers = spec.Kind switch
        {
            EncoderKind.Mlp => BuildMlp(spec),
            EncoderKind.Cnn => BuildCnn(spec),
            _ => BuildResNet(spec),
        };
        var net = new Sequential(layers) { RequiresInputGradient = false };
        var output = net.GetOutputShape(spec.InputShape);
        if (output.Size != spec.EmbeddingSize)
            throw new InvalidOperationException($"Encoder produced {output} instead of {spec.EmbeddingSize} features.");
        net.Initialize(random);
        return new Encoder(spec, net);
    }

    private static List<Layer> BuildMlp(EncoderSpec spec)
    {
        var layers = new List<Layer> { new Flatten() };
        int width = spec.InputShape.Size;
        foreach (var h in spec.HiddenSizes)
        {
            layers.Add(new Linear(width, h));
            if (spec.BatchNorm) layers.Add(new BatchNorm1d(h));
            layers.Add(new ReLU());
            if (spec.Dropout > 0) layers.Add(new Dropout(spec.Dropout));
            width = h;
        }
        layers.Add(new Linear(width, spec.EmbeddingSize));
        return layers;
    }

    private static List<Layer> BuildCnn(EncoderSpec spec)
    {
        // The seed tutorial's network, for any input size: conv 3×3 ×2, max-pool 2, dropout 0.25, linear 128, dropout 0.5.
        var s = spec.InputShape;
        int flat = 64 * ((s.Height - 4) / 2) * ((s.Width - 4) / 2);
        return
        [
            new Conv2d(s.Channels, 32, 3), new ReLU(),
            new Conv2d(32, 64, 3), new ReLU(),
            new MaxPool2d(2), new Dropout(0.25f), new Flatten(),
            new Linear(flat, 128), new ReLU(), new Dropout(0.5f),
            new Linear(128, spec.EmbeddingSize),
        ];
    }

    private static List<Layer> BuildResNet(EncoderSpec spec)
    {
        var s = spec.InputShape;
        int width = spec.StageWidths[0];
        var layers = new List<Layer> { new Conv2d(s.Channels, width, 3, 1, 1, bias: false), new BatchNorm2d(width), new ReLU() };
        for (int stage = 0; stage < spec.StageWidths.Length; stage++)
        {
            int outWidth = spec.StageWidths[stage];
            for (int b = 0; b < spec.BlocksPerStage; b++)
            {
                int stride = stage > 0 && b == 0 ? 2 : 1;
                layers.Add(new ResidualBlock(width, outWidth, stride));
                width = outWidth;
            }
        }
        layers.Add(new GlobalAvgPool2d());
        layers.Add(new Linear(width, spec.EmbeddingSize, bias: false));
        layers.Add(new BatchNorm1d(spec.EmbeddingSize));
        return layers;
    }

    /// <summary>Embeddings [N, E] for a batch. The returned tensor is owned by the network.</summary>
    public Tensor Forward(Tensor input, bool training)
    {
        _sparseFirst = -1;
        return Network.Forward(input, training);
    }

    /// <summary>
    /// Embeddings [N, E] for a batch of sparse rows: the first <see cref="Linear"/> layer (after any leading
    /// <see cref="Flatten"/>) multiplies the rows as they are stored, the layers after it run as usual. Only the MLP's
    /// first layer is Linear; other encoders refuse sparse rows.
    /// </summary>
    /// <exception cref="ArgumentException">The encoder's first layer with parameters is not Linear.</exception>
    public Tensor Forward(SparseBatch input, bool training)
    {
        int first = 0;
        var layers = Network.Layers;
        while (first < layers.Count && layers[first] is Flatten) first++;
        if (first == layers.Count || layers[first] is not Linear linear)
            throw new ArgumentException($"The {Spec.Kind} encoder cannot take sparse rows: its first layer is {layers[Math.Min(first, layers.Count - 1)].GetType().Name}, and only an encoder whose first layer is Linear (the MLP) multiplies sparse rows. Use EncoderKind.Mlp for sparse features (e.g. FeaturizeText's output).");
        _sparseFirst = first;
        var x = linear.Forward(input, training);
        for (int i = first + 1; i < layers.Count; i++) x = layers[i].Forward(x, training);
        return x;
    }

    /// <summary>Back-propagates ∂loss/∂embeddings through the last forward pass (dense or sparse), writing every parameter gradient.</summary>
    public void Backward(Tensor embeddingGradient)
    {
        if (_sparseFirst < 0)
        {
            Network.Backward(embeddingGradient);
            return;
        }
        var layers = Network.Layers;
        for (int i = layers.Count - 1; i >= _sparseFirst; i--) embeddingGradient = layers[i].Backward(embeddingGradient);
    }

    /// <summary>
    /// Freezes the parameters of the first <paramref name="count"/> top-level layers that have parameters
    /// (fine-tuning: the optimizer leaves them unchanged). 0 unfreezes everything.
    /// </summary>
    public void FreezeLayers(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int withParams = Network.Layers.Count(l => l.AllParameters().Any());
        if (count > withParams)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"The encoder has only {withParams} layers with parameters.");
        int frozen = 0;
        foreach (var layer in Network.Layers)
        {
            var ps = layer.AllParameters().ToList();
            if (ps.Count == 0) continue;
            bool freeze = frozen < count;
            foreach (var p in ps) p.Frozen = freeze;
            if (freeze) frozen++;
        }
    }

    /// <summary>Number of trainable (not frozen) parameters.</summary>
    public long TrainableParameterCount => Network.AllParameters().Where(p => !p.Frozen).Sum(p => (long)p.Length);
}

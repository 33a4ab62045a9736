using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss;

/// <summary>
/// Everything needed to rebuild an encoder's architecture (its weights are stored separately).
/// Saved in the model manifest, so every field is a plain value.
/// </summary>
public sealed record EncoderSpec
{
    /// <summary>The architecture.</summary>
    public EncoderKind Kind { get; init; } = EncoderKind.Mlp;

    /// <summary>Shape of one input sample, e.g. (1, 28, 28) for Fashion-MNIST or (F) for a feature vector.</summary>
    public TensorShape InputShape { get; init; } = new(1, 28, 28);

    /// <summary>Dimension of the embedding the encoder outputs.</summary>
    public int EmbeddingSize { get; init; } = 128;

    /// <summary>MLP hidden layer sizes (default 512, 256, as in the benchmark's 784-512-256-128).</summary>
    public int[] HiddenSizes { get; init; } = [512, 256];

    /// <summary>MLP: batch normalisation after each hidden linear layer.</summary>
    public bool BatchNorm { get; init; }

    /// <summary>MLP: dropout probability after each hidden activation (0 = none). The CNN uses the seed's fixed 0.25/0.5.</summary>
    public float Dropout { get; init; }

    /// <summary>ResNet: channels of each stage (the first stage keeps the resolution, later ones halve it).</summary>
    public int[] StageWidths { get; init; } = [32, 64, 128];

    /// <summary>ResNet: residual blocks per stage.</summary>
    public int BlocksPerStage { get; init; } = 1;

    /// <summary>Checks the spec and throws one clear error for the first problem found.</summary>
    public void Validate()
    {
        if (EmbeddingSize < 1) throw new ArgumentOutOfRangeException(nameof(EmbeddingSize), EmbeddingSize, "The embedding size must be at least 1.");
        if (InputShape.Channels < 1 || InputShape.Height < 1 || InputShape.Width < 1)
            throw new ArgumentException($"Input shape {InputShape} has an empty dimension.");
        if (Dropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(Dropout), Dropout, "Dropout must be in [0, 1).");
        switch (Kind)
        {
            case EncoderKind.Mlp:
                if (HiddenSizes.Any(h => h < 1)) throw new ArgumentException($"MLP hidden sizes must be positive, got [{string.Join(",", HiddenSizes)}].");
                break;
            case EncoderKind.Cnn:
                if (InputShape.Height < 6 || InputShape.Width < 6)
                    throw new ArgumentException($"The CNN encoder needs images of at least 6×6, got {InputShape}; use the MLP for feature vectors.");
                break;
            case EncoderKind.ResNet:
                if (InputShape.Height < 8 || InputShape.Width < 8)
                    throw new ArgumentException($"The ResNet encoder needs images of at least 8×8, got {InputShape}; use the MLP for feature vectors.");
                if (StageWidths.Length == 0 || StageWidths.Any(w => w < 1)) throw new ArgumentException("ResNet stage widths must be positive.");
                if (BlocksPerStage < 1) throw new ArgumentOutOfRangeException(nameof(BlocksPerStage), BlocksPerStage, "ResNet needs at least one block per stage.");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "Unknown encoder kind.");
        }
    }
}

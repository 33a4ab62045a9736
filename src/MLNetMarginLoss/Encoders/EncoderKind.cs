namespace MLNetMarginLoss;

/// <summary>The encoder architectures the library builds.</summary>
public enum EncoderKind
{
    /// <summary>Multi-layer perceptron on the flattened input (784-512-256-E by default).</summary>
    Mlp,
    /// <summary>The seed PyTorch tutorial's CNN: conv 32, conv 64, max-pool, dropout, linear 128, dropout, linear E.</summary>
    Cnn,
    /// <summary>A small ResNet (basic blocks, 3 stages) for 1- or 3-channel images from 28×28 to 64×64.</summary>
    ResNet,
}

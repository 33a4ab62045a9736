namespace MLNetMarginLoss.Engine.Layers;

/// <summary>
/// Batch normalisation of image channels: samples of shape (C, H, W), statistics per channel over the batch and
/// all H·W positions. See <see cref="BatchNorm"/> for the arithmetic.
/// </summary>
internal sealed class BatchNorm2d : BatchNorm
{
    /// <summary>Creates the layer for <paramref name="channels"/> channels.</summary>
    public BatchNorm2d(int channels, double momentum = 0.1, double epsilon = 1e-5) : base(channels, momentum, epsilon) { }

    /// <inheritdoc />
    protected override void CheckShape(TensorShape input)
    {
        if (input.Channels != Channels)
            throw new ArgumentException(
                $"BatchNorm2d({Channels}) expects samples with {Channels} channels (shape [{Channels}×H×W]), got {input}.");
    }
}

namespace MLNetMarginLoss.Engine.Layers;

/// <summary>
/// Batch normalisation of feature vectors: samples of shape [C] — (N, C) in PyTorch — or (C, 1, L) — (N, C, L) —
/// with statistics per feature over the batch (and L). See <see cref="BatchNorm"/> for the arithmetic.
/// </summary>
internal sealed class BatchNorm1d : BatchNorm
{
    /// <summary>Creates the layer for <paramref name="features"/> features.</summary>
    public BatchNorm1d(int features, double momentum = 0.1, double epsilon = 1e-5) : base(features, momentum, epsilon) { }

    /// <inheritdoc />
    protected override void CheckShape(TensorShape input)
    {
        if (input.Channels != Channels || input.Height != 1)
            throw new ArgumentException(
                $"BatchNorm1d({Channels}) expects samples of shape [{Channels}] or [{Channels}×1×L], got {input}.");
    }
}

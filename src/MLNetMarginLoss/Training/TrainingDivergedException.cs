namespace MLNetMarginLoss;

/// <summary>
/// Thrown when the loss or the weights become NaN or infinite. Training stops at once; no model is returned.
/// </summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates the exception for a given epoch and batch.</summary>
    public TrainingDivergedException(int epoch, int batch, double loss, double learningRate, string hint)
        : this(epoch, batch, loss, learningRate, hint, [])
    {
    }

    /// <summary>Creates the exception with the options to change (by <see cref="ArcFaceTrainer.Options"/> name) for tools that name them their own way.</summary>
    public TrainingDivergedException(int epoch, int batch, double loss, double learningRate, string hint, IReadOnlyList<string> suggestedOptions)
        : base($"Training diverged: the loss is {loss} at epoch {epoch + 1}, batch {batch + 1} (learning rate {learningRate:G3}). {hint}")
    {
        Epoch = epoch;
        Batch = batch;
        Loss = loss;
        LearningRate = learningRate;
        SuggestedOptions = suggestedOptions;
    }

    /// <summary>The learning rate of the failing step.</summary>
    public double LearningRate { get; }

    /// <summary>The options most likely to cure the divergence, by their <see cref="ArcFaceTrainer.Options"/> names ("LearningRate", "HeadOptions.Scale", "SoftmaxWarmupEpochs").</summary>
    public IReadOnlyList<string> SuggestedOptions { get; }

    /// <summary>Zero-based epoch where the loss became non-finite.</summary>
    public int Epoch { get; }

    /// <summary>Zero-based batch where the loss became non-finite.</summary>
    public int Batch { get; }

    /// <summary>The offending loss value.</summary>
    public double Loss { get; }
}

using MLNetMarginLoss.Data;
using MLNetMarginLoss.Encoders;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Heads;

namespace MLNetMarginLoss.Training;

/// <summary>
/// The rules every backend's training loop follows, in one place so that the same options mean the same thing on
/// all of them: randomness derived from (seed, epoch), fine-tuning's weight copy by state-dict name, the final
/// divergence check, and the run's description recorded with the model.
/// </summary>
internal static class RunRules
{
    /// <summary>The random source of one epoch (shuffle, then forks for dropout, the head, augmentation), from the seed and the epoch alone.</summary>
    public static SeededRandom EpochRandom(long seed, int epoch) => new(unchecked(seed * 1_000_003L + 7919L * (epoch + 1)));

    /// <summary>Copies an initial model's encoder weights by name into a freshly built encoder of the same architecture.</summary>
    /// <exception cref="ArgumentException">The architectures differ.</exception>
    public static void CopyEncoderWeights(Encoder from, Encoder to)
    {
        if (from.Spec.Kind != to.Spec.Kind || from.Spec.InputShape != to.Spec.InputShape)
            throw new ArgumentException($"The initial model's encoder ({from.Spec.Kind}, input {from.Spec.InputShape}) does not match the one to train ({to.Spec.Kind}, input {to.Spec.InputShape}).");
        var source = from.Network.NamedState().ToDictionary(s => s.Name, s => s.Parameter);
        foreach (var (name, p, _) in to.Network.NamedState())
        {
            if (!source.TryGetValue(name, out var q) || q.Length != p.Length)
                throw new ArgumentException($"The initial model's encoder has no weight '{name}' of {p.Length} values; its architecture differs.");
            q.Value.AsSpan().CopyTo(p.Value);
        }
    }

    /// <summary>Throws <see cref="TrainingDivergedException"/> when a weight of the trained network is not finite.</summary>
    public static void EnsureFiniteWeights(Encoder encoder, MarginHead head, TrainingHistory history, double learningRate)
    {
        foreach (var (name, _, data) in NetworkManifest.CollectTensors(encoder, head))
            if (!System.Numerics.Tensors.TensorPrimitives.IsFiniteAll<float>(data))
                throw new TrainingDivergedException(history.Epochs.Count - 1, 0, double.NaN, learningRate,
                    $"Weight '{name}' is not finite.", DivergenceHints);
    }

    /// <summary>The settings that most often cure a diverged run, by <see cref="ArcFaceTrainer.Options"/> name (a command line maps them to its flags).</summary>
    public static readonly string[] DivergenceHints = [nameof(ArcFaceTrainer.Options.LearningRate), "HeadOptions.Scale", nameof(ArcFaceTrainer.Options.SoftmaxWarmupEpochs)];

    /// <summary>The options and final metrics recorded with the model; <paramref name="backend"/> adds the backend's own entries.</summary>
    public static ModelInfo Describe(TrainingSettings o, Dataset train, TrainingHistory history, Dictionary<string, string> backend)
    {
        var opts = new Dictionary<string, string>
        {
            ["head"] = o.Head.ToString(), ["encoder"] = o.Encoder.Kind.ToString(), ["embeddingSize"] = o.Encoder.EmbeddingSize.ToString(),
            ["optimizer"] = o.Optimizer.ToString(), ["learningRate"] = o.LearningRate.ToString("R"), ["epochs"] = o.MaxEpoch.ToString(),
            ["batchSize"] = o.BatchSize.ToString(), ["seed"] = o.Seed.ToString(), ["schedule"] = o.Schedule.ToString(),
            ["softmaxWarmupEpochs"] = o.SoftmaxWarmupEpochs.ToString(), ["frozenLayers"] = o.FrozenLayers.ToString(),
            ["trainingRows"] = train.Count.ToString(), ["sampleRate"] = o.SampleRate.ToString("R"),
            ["sampledCentreUpdates"] = o.SampledCentreUpdates.ToString(),
        };
        foreach (var (k, v) in backend) opts[k] = v;
        var metrics = new Dictionary<string, double>();
        if (history.Epochs.Count > 0)
        {
            var last = history.Epochs.FirstOrDefault(e => e.Epoch == history.SelectedEpoch) ?? history.Epochs[^1];
            metrics["trainLoss"] = last.TrainLoss;
            metrics["trainAccuracy"] = last.TrainAccuracy;
            if (last.ValidationLoss is { } vl) metrics["validationLoss"] = vl;
            if (last.ValidationAccuracy is { } va) metrics["validationAccuracy"] = va;
        }
        return new ModelInfo { TrainingOptions = opts, Metrics = metrics };
    }
}

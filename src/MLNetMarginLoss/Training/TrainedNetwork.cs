using MLNetMarginLoss.Data;
using MLNetMarginLoss.Encoders;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Kernels;
using MLNetMarginLoss.Heads;

namespace MLNetMarginLoss.Training;

/// <summary>
/// A trained encoder and margin head with its class names and training record: what a
/// <see cref="TrainingBackend"/> returns and what <see cref="ArcFaceTransformer"/> wraps. <see cref="Transform"/>
/// scores contiguous rows in batches through the engine (the fast in-library path for evaluation, embedding a
/// gallery and k-NN); the portable path is the transformer's ONNX graph. Inference never reads labels: scores are
/// the softmax of s·cos θ with no margin. Transform is thread-safe (calls are serialised).
/// </summary>
internal sealed class TrainedNetwork
{
    private const int InferenceBatch = 512;
    private readonly object _gate = new();

    internal TrainedNetwork(Encoder encoder, MarginHead head, IReadOnlyList<string> classNames, TrainingHistory history, ModelInfo info)
    {
        Encoder = encoder;
        Head = head;
        ClassNames = classNames;
        History = history;
        Info = info;
    }

    /// <summary>The encoder (input → embedding).</summary>
    public Encoder Encoder { get; }

    /// <summary>The margin head; only its inference path (<see cref="MarginHead.Predict"/>) is used here.</summary>
    public MarginHead Head { get; }

    /// <summary>Class names; class i is <c>ClassNames[i]</c>.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Shape of one input sample.</summary>
    public TensorShape InputShape => Encoder.Spec.InputShape;

    /// <summary>Embedding dimension.</summary>
    public int EmbeddingSize => Encoder.EmbeddingSize;

    /// <summary>Per-epoch training record.</summary>
    public TrainingHistory History { get; }

    /// <summary>Descriptive information saved with the model (options used, final metrics).</summary>
    public ModelInfo Info { get; }

    /// <summary>
    /// Null, or why the head holds only some classes' centres: on every process but rank 0 of a class-sharded training
    /// run the head stays that process's shard (rank 0 alone receives the whole head), so the network embeds but does
    /// not classify.
    /// </summary>
    public string? PartialHeadReason => Head is CosineMarginHead { Shard: { } s }
        ? $"this process is rank {s.Index} of {s.Count} of a class-sharded training run and holds the centres of classes {s.FirstClass:N0} to {s.FirstClass + s.ClassCount - 1:N0} " +
          $"of {s.TotalClasses:N0} only; rank 0's model has the whole head (save and classify with that one)"
        : null;

    /// <summary>Scores every row of <paramref name="data"/>. Its label column, if any, is ignored.</summary>
    public PredictionSet Transform(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (PartialHeadReason is { } partial) throw new InvalidOperationException($"This network cannot score classes: {partial}.");
        CheckInput(data);
        int n = data.Count, c = ClassNames.Count, e = EmbeddingSize;
        var score = new float[n * c];
        var predicted = new int[n];
        var embedding = new float[n * e];
        lock (_gate)
        {
            var batch = new Tensor(0, InputShape);
            for (int start = 0; start < n; start += InferenceBatch)
            {
                int count = Math.Min(InferenceBatch, n - start);
                batch.Reshape(count, InputShape);
                data.Features.AsSpan(start * data.RowSize, count * data.RowSize).CopyTo(batch.Span);
                var emb = Encoder.Forward(batch, training: false);
                var logits = Head.Predict(emb);
                var scoreBlock = score.AsSpan(start * c, count * c);
                logits.Span.CopyTo(scoreBlock);
                RowOps.SoftmaxInPlace(scoreBlock, c);
                RowOps.ArgMax(scoreBlock, c, predicted.AsSpan(start, count));
                var embBlock = embedding.AsSpan(start * e, count * e);
                emb.Span.CopyTo(embBlock);
                RowOps.L2NormalizeInPlace(embBlock, e);
            }
        }
        return new PredictionSet(data, ClassNames, score, predicted, embedding, e);
    }

    private void CheckInput(Dataset data)
    {
        if (data.FeatureShape != InputShape && data.FeatureShape.Size == InputShape.Size && data.FeatureShape.IsVector)
            return; // flat vectors of the right length are accepted for image models (CSV exports of images)
        if (data.FeatureShape != InputShape)
            throw new ArgumentException($"{data.Source}: the model expects samples of shape {InputShape} ({InputShape.Size} values), the data has {data.FeatureShape} ({data.FeatureShape.Size} values).");
    }
}

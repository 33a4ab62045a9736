using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Heads;

/// <summary>
/// The classification head that sits on top of an encoder during training: it turns embeddings into
/// logits (with the head's margin applied to the target class when labels are given) and back-propagates.
/// <para>
/// Training: <see cref="Forward"/> with labels → logits [N, C] for softmax cross-entropy;
/// <see cref="Backward"/> with ∂loss/∂logits → ∂loss/∂embeddings, writing the head's parameter gradients.
/// Inference: <see cref="Predict"/> never sees labels and applies no margin (scaled cosines for the
/// cosine heads); Score = softmax of these logits.
/// </para>
/// </summary>
public abstract class MarginHead
{
    /// <summary>Creates a head for <paramref name="embeddingSize"/>-dimensional embeddings and <paramref name="classCount"/> classes.</summary>
    protected MarginHead(int embeddingSize, int classCount)
    {
        if (embeddingSize < 1) throw new ArgumentOutOfRangeException(nameof(embeddingSize), embeddingSize, "The embedding size must be at least 1.");
        if (classCount < 2) throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "A margin head needs at least 2 classes.");
        EmbeddingSize = embeddingSize;
        ClassCount = classCount;
    }

    /// <summary>Embedding dimension.</summary>
    public int EmbeddingSize { get; }

    /// <summary>Number of classes.</summary>
    public int ClassCount { get; }

    /// <summary>Kernels the head runs on.</summary>
    public ComputeContext Context { get; set; } = ComputeContext.Default;

    /// <summary>The head's kind as used on the command line and in model files ("arcface", "cosface", …).</summary>
    public abstract string Kind { get; }

    /// <summary>Trainable parameters (class centres and any learnable scalars).</summary>
    public abstract IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Non-trainable state saved with the model (adaptive scale, EMA statistics).</summary>
    public virtual IReadOnlyList<Parameter> Buffers => [];

    /// <summary>Re-initialises parameters and state from <paramref name="random"/>.</summary>
    public abstract void Initialize(SeededRandom random);

    /// <summary>Training logits [N, C] with the margin applied to each row's label.</summary>
    public abstract Tensor Forward(Tensor embeddings, ReadOnlySpan<int> labels, bool training);

    /// <summary>∂loss/∂embeddings from ∂loss/∂logits of the last <see cref="Forward"/>; writes parameter gradients.</summary>
    public abstract Tensor Backward(Tensor logitGradient);

    /// <summary>Inference logits [N, C]: no labels, no margin. Score is their softmax.</summary>
    public abstract Tensor Predict(Tensor embeddings);
}

using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Heads;

/// <summary>
/// The classification head that sits on top of an encoder during training: it turns embeddings into
/// logits (with the head's margin applied to the target class when labels are given) and back-propagates.
/// <para>
/// Training: <see cref="Forward"/> with labels → logits [N, S] for softmax cross-entropy against
/// <see cref="ColumnLabels"/> (S = C, the labels unchanged, unless a Partial FC sampler chose a subset of classes);
/// <see cref="Backward"/> with ∂loss/∂logits → ∂loss/∂embeddings, writing the head's parameter gradients (the cosine
/// heads' class centres: <see cref="CosineMarginHead.Centers"/>, for the columns of the pass).
/// Inference: <see cref="Predict"/> never sees labels and applies no margin (scaled cosines for the
/// cosine heads); Score = softmax of these logits.
/// </para>
/// </summary>
internal abstract class MarginHead
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

    /// <summary>Trainable dense parameters (the plain softmax head's weight and bias); the cosine heads' class centres are <see cref="CosineMarginHead.Centers"/>.</summary>
    public abstract IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Non-trainable state saved with the model (adaptive scale, EMA statistics).</summary>
    public virtual IReadOnlyList<Parameter> Buffers => [];

    /// <summary>Re-initialises parameters and state from <paramref name="random"/>.</summary>
    public abstract void Initialize(SeededRandom random);

    /// <summary>Training logits [N, S] with the margin applied to each row's label (see <see cref="ColumnLabels"/>).</summary>
    public abstract Tensor Forward(Tensor embeddings, ReadOnlySpan<int> labels, bool training);

    /// <summary>The last <see cref="Forward"/>'s labels as columns of its logits (the labels themselves unless classes were sampled).</summary>
    public abstract ReadOnlySpan<int> ColumnLabels { get; }

    /// <summary>
    /// Mean softmax cross-entropy of the last <see cref="Forward"/>'s logits without the margin (s·cos θ over the same
    /// columns; the plain softmax head's own logits) against <see cref="ColumnLabels"/>: the training loss in the
    /// inference path's terms, comparable with a validation loss; <paramref name="correct"/> counts the rows whose
    /// arg-max is the label. Call it before anything overwrites the logits (an in-place cross-entropy).
    /// </summary>
    public abstract double LossWithoutMargin(out int correct);

    /// <summary>∂loss/∂embeddings from ∂loss/∂logits of the last <see cref="Forward"/>; writes parameter gradients.</summary>
    public abstract Tensor Backward(Tensor logitGradient);

    /// <summary>Inference logits [N, C]: no labels, no margin. Score is their softmax.</summary>
    public abstract Tensor Predict(Tensor embeddings);

    /// <summary>
    /// When false, training logits are the plain s·cos θ of every class (normalised softmax): the margin and any
    /// adaptive state updates are switched off. Trainers use it for a softmax warm-up before the margin starts.
    /// Heads without a margin ignore it. Default: true.
    /// </summary>
    public virtual bool MarginEnabled { get; set; } = true;

    /// <summary>
    /// Re-seeds any randomness the head uses in training (e.g. ElasticFace's sampled margins), so that a trainer can
    /// derive it from (seed, epoch) and a resumed run continues exactly. The default does nothing.
    /// </summary>
    public virtual void SeedRandomness(SeededRandom random) { }

    /// <summary>
    /// An extra loss term of the last <see cref="Forward"/> that the trainer adds to the mean cross-entropy
    /// (MagFace's feature-magnitude regulariser); 0 for most heads. Its gradient (with weight 1) is already
    /// included in the embedding gradient <see cref="Backward"/> returns.
    /// </summary>
    public virtual double AuxiliaryLoss => 0;

    /// <summary>
    /// The head's options with every default resolved (scale, margins, …), so that
    /// <see cref="HeadFactory.Create(string, int, int, HeadOptions?)"/> with <see cref="Kind"/> and these options
    /// rebuilds the same head; parameters and <see cref="Buffers"/> are then restored by value.
    /// </summary>
    public abstract HeadOptions GetOptions();

    /// <summary>
    /// Xavier-uniform (Glorot) initialisation as the reference implementations use for a dense head's weight:
    /// U(−b, b) with b = √(6 / (fan_in + fan_out)), where a [rows, cols] weight has fan_in = cols, fan_out = rows.
    /// </summary>
    protected static void XavierUniform(Parameter weight, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(random);
        int rows = weight.Dims[0], cols = weight.Length / rows;
        float bound = MathF.Sqrt(6f / (rows + cols));
        foreach (ref var w in weight.Value.AsSpan()) w = random.Uniform(-bound, bound);
    }

    /// <summary>Throws unless <paramref name="embeddings"/> holds rows of <see cref="EmbeddingSize"/> floats.</summary>
    protected void ValidateEmbeddings(Tensor embeddings)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        if (embeddings.RowSize != EmbeddingSize)
            throw new ArgumentException(
                $"The {Kind} head expects embeddings of size {EmbeddingSize}, got rows of {embeddings.RowSize} floats ({embeddings}).",
                nameof(embeddings));
    }

    /// <summary>Throws unless there is one label per row and every label lies in [0, <see cref="ClassCount"/>).</summary>
    protected void ValidateLabels(ReadOnlySpan<int> labels, int rows)
    {
        if (labels.Length != rows)
            throw new ArgumentException($"The {Kind} head got {labels.Length} labels for {rows} embeddings; expected one label per row.", nameof(labels));
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)ClassCount)
                throw new ArgumentOutOfRangeException(nameof(labels), labels[i],
                    $"Label {labels[i]} at row {i} is outside the head's class range [0, {ClassCount}).");
        }
    }
}

using MLNetMarginLoss.Data;

namespace MLNetMarginLoss.Training;

/// <summary>
/// The output of <see cref="TrainedNetwork.Transform"/>: the input rows with three added columns, as an ML.NET
/// transformer adds them: <c>Score</c> (class probabilities), <c>PredictedLabel</c> and <c>Embedding</c>
/// (L2-normalised). None of them depends on the input's label column.
/// </summary>
internal sealed class PredictionSet
{
    internal PredictionSet(Dataset input, IReadOnlyList<string> classNames, float[] score, int[] predictedLabel, float[] embedding, int embeddingSize)
    {
        Input = input;
        ClassNames = classNames;
        Score = score;
        PredictedLabel = predictedLabel;
        Embedding = embedding;
        EmbeddingSize = embeddingSize;
    }

    /// <summary>The rows that were scored (labels, if any, are carried along untouched).</summary>
    public Dataset Input { get; }

    /// <summary>Number of rows.</summary>
    public int Count => PredictedLabel.Length;

    /// <summary>Class probabilities, row-major [Count × ClassCount]: softmax of s·cos θ with no margin.</summary>
    public float[] Score { get; }

    /// <summary>Number of classes (Score's row width).</summary>
    public int ClassCount => ClassNames.Count;

    /// <summary>The model's class names; index i names class i.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Arg-max class index per row.</summary>
    public int[] PredictedLabel { get; }

    /// <summary>L2-normalised embeddings, row-major [Count × EmbeddingSize].</summary>
    public float[] Embedding { get; }

    /// <summary>Embedding dimension.</summary>
    public int EmbeddingSize { get; }

    /// <summary>One row's class probabilities.</summary>
    public ReadOnlySpan<float> ScoreRow(int i) => Score.AsSpan(i * ClassCount, ClassCount);

    /// <summary>One row's embedding.</summary>
    public ReadOnlySpan<float> EmbeddingRow(int i) => Embedding.AsSpan(i * EmbeddingSize, EmbeddingSize);

    /// <summary>The predicted class name of row <paramref name="i"/>.</summary>
    public string PredictedClassName(int i) => ClassNames[PredictedLabel[i]];
}

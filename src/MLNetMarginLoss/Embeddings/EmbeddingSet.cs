using MLNetMarginLoss.Data;

namespace MLNetMarginLoss.Embeddings;

/// <summary>
/// L2-normalised embeddings, one row per input sample, with the input's labels and class names carried along
/// (labels are never used to compute the vectors).
/// </summary>
public sealed class EmbeddingSet
{
    /// <summary>Creates a set from row-major vectors of <paramref name="dimension"/> floats.</summary>
    public EmbeddingSet(float[] vectors, int dimension, int[]? labels = null, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        if (dimension < 1 || vectors.Length % dimension != 0)
            throw new ArgumentException($"{vectors.Length} values are not a whole number of {dimension}-dimensional embeddings.");
        Vectors = vectors;
        Dimension = dimension;
        if (labels is not null && labels.Length != Count)
            throw new ArgumentException($"{labels.Length} labels for {Count} embeddings.");
        Labels = labels;
        ClassNames = classNames ?? [];
    }

    /// <summary>The vectors, row-major [Count × Dimension].</summary>
    public float[] Vectors { get; }

    /// <summary>Embedding dimension.</summary>
    public int Dimension { get; }

    /// <summary>Number of embeddings.</summary>
    public int Count => Vectors.Length / Dimension;

    /// <summary>Class index per row, when the input had labels.</summary>
    public int[]? Labels { get; }

    /// <summary>Class names of the labels.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>One embedding.</summary>
    public ReadOnlySpan<float> Row(int i) => Vectors.AsSpan(i * Dimension, Dimension);

    /// <summary>Wraps a dataset's labels around embeddings computed from it.</summary>
    public static EmbeddingSet From(float[] vectors, int dimension, Dataset source) => new(vectors, dimension, source.Labels, source.ClassNames);
}

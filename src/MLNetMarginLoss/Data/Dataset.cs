using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Data;

/// <summary>
/// An in-memory table of samples: a feature block (each row one sample of <see cref="FeatureShape"/>,
/// row-major, batch-major) and an optional label column of class indices into <see cref="ClassNames"/>.
/// Every loader (arrays, CSV, IDX, image folders) produces one; trainers, extractors and evaluators read it.
/// A dataset without labels is valid input for inference.
/// </summary>
internal sealed class Dataset
{
    /// <summary>Creates a dataset. <paramref name="features"/> holds rows × shape.Size floats; labels, when given, one per row.</summary>
    public Dataset(float[] features, TensorShape featureShape, int[]? labels = null, IReadOnlyList<string>? classNames = null, string? source = null)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (featureShape.Size <= 0) throw new ArgumentException($"Feature shape {featureShape} is empty.", nameof(featureShape));
        if (features.Length % featureShape.Size != 0)
            throw new ArgumentException($"{features.Length} feature values are not a whole number of rows of {featureShape.Size}.", nameof(features));
        Features = features;
        FeatureShape = featureShape;
        Count = features.Length / featureShape.Size;
        Source = source ?? "in-memory data";
        if (labels is not null)
        {
            if (labels.Length != Count) throw new ArgumentException($"{Source}: {labels.Length} labels for {Count} rows.", nameof(labels));
            int classes = classNames?.Count ?? (labels.Length == 0 ? 0 : labels.Max() + 1);
            for (int i = 0; i < labels.Length; i++)
                if ((uint)labels[i] >= (uint)classes)
                    throw new ArgumentException($"{Source}: row {i}: label index {labels[i]} is outside [0, {classes}).", nameof(labels));
            classNames ??= Enumerable.Range(0, classes).Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        }
        Labels = labels;
        ClassNames = classNames ?? [];
    }

    /// <summary>Where the data came from (a path or a description), for error messages.</summary>
    public string Source { get; }

    /// <summary>Number of rows.</summary>
    public int Count { get; }

    /// <summary>The shape of one sample.</summary>
    public TensorShape FeatureShape { get; }

    /// <summary>Floats per row.</summary>
    public int RowSize => FeatureShape.Size;

    /// <summary>All features, row after row.</summary>
    public float[] Features { get; }

    /// <summary>Class index per row, or null when the dataset has no label column.</summary>
    public int[]? Labels { get; }

    /// <summary>True when a label column is present.</summary>
    public bool HasLabels => Labels is not null;

    /// <summary>Class names; index i names label i. Empty when there are no labels and no names were given.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Number of classes (length of <see cref="ClassNames"/>).</summary>
    public int ClassCount => ClassNames.Count;

    /// <summary>One row's features.</summary>
    public ReadOnlySpan<float> Row(int i) => Features.AsSpan(i * RowSize, RowSize);

    /// <summary>The first <paramref name="count"/> rows (all when count ≥ Count).</summary>
    public Dataset Take(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count >= Count) return this;
        return new Dataset(Features.AsSpan(0, count * RowSize).ToArray(), FeatureShape, Labels?.AsSpan(0, count).ToArray(), ClassNames, Source);
    }

    /// <summary>The rows at <paramref name="indices"/>, in that order.</summary>
    public Dataset Select(IReadOnlyList<int> indices)
    {
        var f = new float[indices.Count * RowSize];
        int[]? l = Labels is null ? null : new int[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            Row(indices[i]).CopyTo(f.AsSpan(i * RowSize, RowSize));
            if (l is not null) l[i] = Labels![indices[i]];
        }
        return new Dataset(f, FeatureShape, l, ClassNames, Source);
    }

    /// <summary>The same features with no label column (what an application sees at prediction time).</summary>
    public Dataset WithoutLabels() => new(Features, FeatureShape, null, ClassNames, Source);

    /// <summary>The same features with another label column.</summary>
    public Dataset WithLabels(int[] labels, IReadOnlyList<string>? classNames = null) => new(Features, FeatureShape, labels, classNames ?? ClassNames, Source);

    /// <inheritdoc />
    public override string ToString() => $"{Source}: {Count} rows of {FeatureShape}{(HasLabels ? $", {ClassCount} classes" : ", no labels")}";
}

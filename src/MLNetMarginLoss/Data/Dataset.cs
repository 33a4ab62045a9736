using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Data;

/// <summary>
/// An in-memory table of samples: a feature block (each row one sample of <see cref="FeatureShape"/>,
/// row-major, batch-major) and an optional label column of class indices into <see cref="ClassNames"/>.
/// Every loader (arrays, CSV, IDX, image folders) produces one; trainers, extractors and evaluators read it.
/// A dataset without labels is valid input for inference.
/// <para>
/// The features are either dense (<see cref="Features"/>) or, for sparse columns such as ML.NET's text featurizer
/// output, compressed sparse rows (<see cref="Sparse"/>; <see cref="IsSparse"/>). Only an MLP encoder trains on sparse
/// rows; the IDataView reader chooses them by a density rule.
/// </para>
/// </summary>
internal sealed class Dataset
{
    /// <summary>Creates a dataset. <paramref name="features"/> holds rows × shape.Size floats; labels, when given, one per row.</summary>
    public Dataset(float[] features, TensorShape featureShape, int[]? labels = null, IReadOnlyList<string>? classNames = null, string? source = null)
        : this(features, null, featureShape, labels, classNames, source)
    {
    }

    /// <summary>Creates a dataset of sparse rows; <paramref name="featureShape"/>.Size must equal the rows' column count.</summary>
    public Dataset(SparseFeatures features, TensorShape featureShape, int[]? labels = null, IReadOnlyList<string>? classNames = null, string? source = null)
        : this(null, features, featureShape, labels, classNames, source)
    {
    }

    private Dataset(float[]? dense, SparseFeatures? sparse, TensorShape featureShape, int[]? labels, IReadOnlyList<string>? classNames, string? source)
    {
        if (dense is null && sparse is null) throw new ArgumentNullException("features");
        if (featureShape.Size <= 0) throw new ArgumentException($"Feature shape {featureShape} is empty.", nameof(featureShape));
        if (dense is not null && dense.Length % featureShape.Size != 0)
            throw new ArgumentException($"{dense.Length} feature values are not a whole number of rows of {featureShape.Size}.", "features");
        if (sparse is not null && sparse.Columns != featureShape.Size)
            throw new ArgumentException($"Sparse rows of {sparse.Columns} columns do not match the feature shape {featureShape}.", nameof(featureShape));
        _dense = dense;
        Sparse = sparse;
        FeatureShape = featureShape;
        Count = sparse?.Count ?? dense!.Length / featureShape.Size;
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

    private readonly float[]? _dense;

    /// <summary>All features, row after row (dense datasets only).</summary>
    /// <exception cref="InvalidOperationException">The dataset holds sparse rows (<see cref="IsSparse"/>); read <see cref="Sparse"/>.</exception>
    public float[] Features => _dense ?? throw new InvalidOperationException(
        $"{Source}: the features are sparse rows ({Count} rows of {RowSize}, {Sparse!.Density:P2} stored); read them through Dataset.Sparse or Row(i).");

    /// <summary>The features as compressed sparse rows, or null when they are dense.</summary>
    public SparseFeatures? Sparse { get; }

    /// <summary>True when the features are compressed sparse rows (<see cref="Sparse"/>).</summary>
    public bool IsSparse => Sparse is not null;

    /// <summary>Class index per row, or null when the dataset has no label column.</summary>
    public int[]? Labels { get; }

    /// <summary>True when a label column is present.</summary>
    public bool HasLabels => Labels is not null;

    /// <summary>Class names; index i names label i. Empty when there are no labels and no names were given.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Number of classes (length of <see cref="ClassNames"/>).</summary>
    public int ClassCount => ClassNames.Count;

    /// <summary>One row's features (a sparse row is written into a new dense array).</summary>
    public ReadOnlySpan<float> Row(int i)
    {
        if (_dense is not null) return _dense.AsSpan(i * RowSize, RowSize);
        var row = new float[RowSize];
        Sparse!.Densify(i, row);
        return row;
    }

    /// <summary>The first <paramref name="count"/> rows (all when count ≥ Count).</summary>
    public Dataset Take(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count >= Count) return this;
        if (Sparse is not null) return Select(Enumerable.Range(0, count).ToArray());
        return new Dataset(Features.AsSpan(0, count * RowSize).ToArray(), FeatureShape, Labels?.AsSpan(0, count).ToArray(), ClassNames, Source);
    }

    /// <summary>The rows at <paramref name="indices"/>, in that order.</summary>
    public Dataset Select(IReadOnlyList<int> indices)
    {
        int[]? l = Labels is null ? null : new int[indices.Count];
        for (int i = 0; l is not null && i < indices.Count; i++) l[i] = Labels![indices[i]];
        if (Sparse is not null) return new Dataset(Sparse.Select(indices), FeatureShape, l, ClassNames, Source);
        var f = new float[indices.Count * RowSize];
        for (int i = 0; i < indices.Count; i++) Row(indices[i]).CopyTo(f.AsSpan(i * RowSize, RowSize));
        return new Dataset(f, FeatureShape, l, ClassNames, Source);
    }

    /// <summary>The same features with no label column (what an application sees at prediction time).</summary>
    public Dataset WithoutLabels() => new(_dense, Sparse, FeatureShape, null, ClassNames, Source);

    /// <summary>The same features with another label column.</summary>
    public Dataset WithLabels(int[] labels, IReadOnlyList<string>? classNames = null) => new(_dense, Sparse, FeatureShape, labels, classNames ?? ClassNames, Source);

    /// <summary>The same rows seen with another sample shape of the same size (e.g. flat vectors as [C, H, W]).</summary>
    public Dataset WithFeatureShape(TensorShape shape)
    {
        if (shape.Size != RowSize) throw new ArgumentException($"{Source}: rows of {RowSize} values cannot be seen as {shape} ({shape.Size} values).", nameof(shape));
        return new(_dense, Sparse, shape, Labels, ClassNames, Source);
    }

    /// <summary>The same rows with dense features (this dataset when already dense).</summary>
    public Dataset Densified() => Sparse is null ? this : new(Sparse.ToDense(), FeatureShape, Labels, ClassNames, Source);

    /// <inheritdoc />
    public override string ToString() => $"{Source}: {Count} {(IsSparse ? "sparse " : "")}rows of {FeatureShape}{(HasLabels ? $", {ClassCount} classes" : ", no labels")}";
}

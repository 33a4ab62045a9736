using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetMarginLoss;

/// <summary>
/// An <see cref="IDataView"/> over a feature array already in memory: row after row of
/// <see cref="RowSize"/> floats, each row a tensor of <see cref="Dimensions"/> (for example [1, 28, 28]), and
/// optionally one class index per row.
/// </summary>
/// <remarks>
/// <para>Columns: <c>Features</c>, a known-size <c>Vector&lt;Single&gt;</c> whose type carries the dimensions
/// (<c>VectorDataViewType(Single, 1, 28, 28)</c>); and, when labels are given, <c>Label</c>, a key column
/// (<c>Key&lt;UInt32, classes&gt;</c>, class index i stored as key i + 1) whose KeyValues annotation holds the class
/// names in class-index order. <c>MapValueToKey("Label")</c> accepts this key column and keeps the names, so
/// <c>MapKeyToValue("PredictedLabel")</c> at the end of a pipeline yields readable class names. With the default
/// <c>KeyOrdinality.ByOccurrence</c> MapValueToKey renumbers the classes in order of first appearance; pass
/// <c>keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue</c> to keep this view's class-index order.</para>
/// <para>The arrays are used as given, not copied: do not change them while the view is in use. A cursor's
/// <c>Features</c> getter copies one row into the caller's dense <see cref="VBuffer{T}"/>, reusing its buffer, so reading
/// every row costs one memory copy of the features. Cursors can be shuffled (<see cref="IDataView.CanShuffle"/>).</para>
/// </remarks>
public sealed class InMemoryDataView : IDataView
{
    /// <summary>The default name of the feature column.</summary>
    public const string DefaultFeatureColumnName = "Features";

    /// <summary>The default name of the label column.</summary>
    public const string DefaultLabelColumnName = "Label";

    private readonly float[] _features;
    private readonly int[]? _labels;
    private readonly ColumnarDataView _view;

    /// <summary>Creates the view.</summary>
    /// <param name="features">Rows × <c>product(dimensions)</c> floats, row-major; used as is, not copied.</param>
    /// <param name="dimensions">The shape of one row, e.g. [1, 28, 28] or [784]; every dimension positive.</param>
    /// <param name="labels">One class index per row (0 ≤ label &lt; class count), or null for a view without a label column.</param>
    /// <param name="classNames">Names of the classes, index = class index; default "0", "1", … up to the largest label.</param>
    /// <param name="featureColumnName">Name of the feature column.</param>
    /// <param name="labelColumnName">Name of the label column.</param>
    /// <exception cref="ArgumentException">The features are not a whole number of rows, the labels do not match the rows or the classes, or the class names are empty or repeated.</exception>
    public InMemoryDataView(float[] features, IReadOnlyList<int> dimensions, int[]? labels = null, IReadOnlyList<string>? classNames = null,
        string featureColumnName = DefaultFeatureColumnName, string labelColumnName = DefaultLabelColumnName)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(dimensions);
        ArgumentException.ThrowIfNullOrEmpty(featureColumnName);
        if (dimensions.Count == 0) throw new ArgumentException("A row needs at least one dimension.", nameof(dimensions));
        long rowSize = 1;
        foreach (int d in dimensions)
        {
            if (d <= 0) throw new ArgumentException($"Dimensions must be positive, found [{string.Join(", ", dimensions)}].", nameof(dimensions));
            rowSize *= d;
        }
        if (rowSize > int.MaxValue) throw new ArgumentException($"A row of [{string.Join(", ", dimensions)}] is too large.", nameof(dimensions));
        if (features.Length % rowSize != 0)
            throw new ArgumentException($"{features.Length} feature values are not a whole number of rows of {rowSize} ([{string.Join(", ", dimensions)}]).", nameof(features));
        RowSize = (int)rowSize;
        RowCount = features.Length / RowSize;
        Dimensions = [.. dimensions];
        FeatureColumnName = featureColumnName;
        _features = features;

        var columns = new List<ColumnarDataView.ColumnSource>
        {
            new ColumnarDataView.ColumnSource<VBuffer<float>>(featureColumnName,
                new VectorDataViewType(NumberDataViewType.Single, dimensions.ToArray()), GetFeatures),
        };

        if (labels is not null)
        {
            ArgumentException.ThrowIfNullOrEmpty(labelColumnName);
            if (labelColumnName == featureColumnName) throw new ArgumentException($"The label and feature columns are both named '{labelColumnName}'.", nameof(labelColumnName));
            if (labels.Length != RowCount) throw new ArgumentException($"{labels.Length} labels for {RowCount} rows.", nameof(labels));
            int classes = classNames?.Count ?? (labels.Length == 0 ? 0 : labels.Max() + 1);
            for (int i = 0; i < labels.Length; i++)
                if ((uint)labels[i] >= (uint)classes)
                    throw new ArgumentException($"Row {i}: label {labels[i]} is outside [0, {classes}).", nameof(labels));
            string[] names = classNames is null
                ? [.. Enumerable.Range(0, classes).Select(c => c.ToString(CultureInfo.InvariantCulture))]
                : [.. classNames];
            if (names.Length == 0) throw new ArgumentException("A label column needs at least one class.", nameof(classNames));
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var name in names)
            {
                if (string.IsNullOrEmpty(name)) throw new ArgumentException("Class names must not be empty.", nameof(classNames));
                if (!seen.Add(name)) throw new ArgumentException($"Class name '{name}' appears twice.", nameof(classNames));
            }
            _labels = labels;
            ClassNames = names;
            LabelColumnName = labelColumnName;
            columns.Add(LabelColumn(labelColumnName, names, (int row, ref uint key) => key = (uint)labels[row] + 1));
        }
        else
        {
            ClassNames = [];
        }
        _view = new ColumnarDataView(RowCount, [.. columns]);
    }

    /// <summary>Number of rows.</summary>
    public int RowCount { get; }

    /// <summary>The shape of one row.</summary>
    public IReadOnlyList<int> Dimensions { get; }

    /// <summary>Floats per row, the product of <see cref="Dimensions"/>.</summary>
    public int RowSize { get; }

    /// <summary>All features, row after row (the array given to the constructor, read-only).</summary>
    public ReadOnlyMemory<float> Features => _features;

    /// <summary>The class index of each row, or null when the view has no label column.</summary>
    public IReadOnlyList<int>? Labels => _labels;

    /// <summary>The class names, index = class index; empty when the view has no label column.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Name of the feature column.</summary>
    public string FeatureColumnName { get; }

    /// <summary>Name of the label column, or null when there is none.</summary>
    public string? LabelColumnName { get; }

    /// <summary>The features of row <paramref name="row"/>.</summary>
    public ReadOnlySpan<float> Row(int row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, RowCount);
        return _features.AsSpan(row * RowSize, RowSize);
    }

    /// <inheritdoc />
    public DataViewSchema Schema => _view.Schema;

    /// <inheritdoc />
    public bool CanShuffle => _view.CanShuffle;

    /// <inheritdoc />
    public long? GetRowCount() => RowCount;

    /// <inheritdoc />
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        _view.GetRowCursor(columnsNeeded, rand);

    /// <inheritdoc />
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        _view.GetRowCursorSet(columnsNeeded, n, rand);

    private void GetFeatures(int row, ref VBuffer<float> value)
    {
        var editor = VBufferEditor.Create(ref value, RowSize);
        _features.AsSpan(row * RowSize, RowSize).CopyTo(editor.Values);
        value = editor.Commit();
    }

    /// <summary>The annotation kind ML.NET reads a key column's value names from (<c>GetKeyValues</c>, MapKeyToValue).</summary>
    internal const string KeyValuesKind = "KeyValues";

    /// <summary>
    /// A key column over <paramref name="classNames"/> (key k + 1 = class k) with the names as its KeyValues annotation,
    /// the label representation shared by the in-memory and image-folder views.
    /// </summary>
    internal static ColumnarDataView.ColumnSource LabelColumn(string name, IReadOnlyList<string> classNames, ColumnarDataView.RowValue<uint> key)
    {
        var names = classNames.Select(n => n.AsMemory()).ToArray();
        return new ColumnarDataView.ColumnSource<uint>(name, new KeyDataViewType(typeof(uint), names.Length), key,
            annotations => annotations.Add(KeyValuesKind, new VectorDataViewType(TextDataViewType.Instance, names.Length),
                (ref VBuffer<ReadOnlyMemory<char>> dst) =>
                {
                    var editor = VBufferEditor.Create(ref dst, names.Length);
                    names.CopyTo(editor.Values);
                    dst = editor.Commit();
                }));
    }
}

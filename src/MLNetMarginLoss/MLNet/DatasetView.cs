using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Data;

namespace MLNetMarginLoss.MLNet;

/// <summary>
/// Presents rows already in the engine's contiguous form (<see cref="Dataset"/>) as an <see cref="IDataView"/>, the way
/// an application would build one: a Features column Vector&lt;Single, C, H, W&gt; (or Vector&lt;Single, F&gt;) and, when
/// the rows are labelled, a Label key column whose values are the class names in the dataset's order (MapValueToKey
/// with those names as key data). For the command line, whose loaders produce datasets.
/// </summary>
internal static class DatasetView
{
    /// <summary>The rows of <paramref name="data"/> as a view with a feature column and, when labelled, a key label column.</summary>
    public static IDataView ToDataView(this Dataset data, MLContext ml, string featureColumn = "Features", string labelColumn = "Label")
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(ml);
        var shape = data.FeatureShape;
        var rows = Enumerable.Range(0, data.Count).Select(i => new Row
        {
            Features = data.Row(i).ToArray(),
            Label = data.Labels is { } l ? data.ClassNames[l[i]] : "",
        });
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Features)].ColumnName = featureColumn;
        schema[nameof(Row.Features)].ColumnType = shape.IsVector
            ? new VectorDataViewType(NumberDataViewType.Single, shape.Size)
            : new VectorDataViewType(NumberDataViewType.Single, shape.Channels, shape.Height, shape.Width);
        schema[nameof(Row.Label)].ColumnName = labelColumn;
        var view = ml.Data.LoadFromEnumerable(rows, schema);
        if (!data.HasLabels) return ml.Transforms.DropColumns(labelColumn).Fit(view).Transform(view);
        var keySchema = SchemaDefinition.Create(typeof(ClassName));
        keySchema[0].ColumnName = labelColumn;
        var keyData = ml.Data.LoadFromEnumerable(data.ClassNames.Select(n => new ClassName { Name = n }), keySchema);
        return ml.Transforms.Conversion.MapValueToKey(labelColumn, keyData: keyData).Fit(view).Transform(view);
    }

    private sealed class ClassName
    {
        public string Name { get; set; } = "";
    }

    private sealed class Row
    {
        public float[] Features { get; set; } = [];

        public string Label { get; set; } = "";
    }
}

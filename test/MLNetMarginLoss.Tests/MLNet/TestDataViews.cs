using System.Globalization;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Data;

namespace MLNetMarginLoss.Tests.MLNet;

/// <summary>
/// Builds the IDataViews the ML.NET component tests feed in, the way an application would (LoadFromEnumerable with a
/// SchemaDefinition for the vector shape, text labels, then MapValueToKey), and formats scored views for comparison.
/// </summary>
internal static class TestDataViews
{
    /// <summary>
    /// Rows of <paramref name="data"/>: Features as Vector&lt;Single, C, H, W&gt; (or [F]) and Label as a key whose values
    /// are <paramref name="keyValues"/> (default: the dataset's class names, in their order).
    /// </summary>
    public static IDataView FromDataset(MLContext ml, Dataset data, IReadOnlyList<string>? keyValues = null)
    {
        var shape = data.FeatureShape;
        var rows = Enumerable.Range(0, data.Count).Select(i => new ImageRow { Features = data.Row(i).ToArray(), Label = data.ClassNames[data.Labels![i]] }).ToArray();
        var schema = SchemaDefinition.Create(typeof(ImageRow));
        schema[nameof(ImageRow.Features)].ColumnType = shape.IsVector
            ? new VectorDataViewType(NumberDataViewType.Single, shape.Size)
            : new VectorDataViewType(NumberDataViewType.Single, shape.Channels, shape.Height, shape.Width);
        return ToKey(ml, ml.Data.LoadFromEnumerable(rows, schema), keyValues ?? data.ClassNames);
    }

    /// <summary>Labelled embeddings: an "Embedding" Vector&lt;Single, D&gt; and a Label key with <paramref name="keyValues"/> as its values.</summary>
    public static IDataView Embeddings(MLContext ml, IReadOnlyList<float[]> vectors, IReadOnlyList<string> labels, IReadOnlyList<string> keyValues)
    {
        var rows = vectors.Select((v, i) => new EmbeddingRow { Embedding = v, Label = labels[i] }).ToArray();
        var schema = SchemaDefinition.Create(typeof(EmbeddingRow));
        schema[nameof(EmbeddingRow.Embedding)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, vectors[0].Length);
        return ToKey(ml, ml.Data.LoadFromEnumerable(rows, schema), keyValues);
    }

    /// <summary>The rows whose label is one of <paramref name="classNames"/>.</summary>
    public static Dataset OnlyClasses(Dataset data, IReadOnlyCollection<string> classNames)
    {
        var keep = Enumerable.Range(0, data.Count).Where(i => classNames.Contains(data.ClassNames[data.Labels![i]])).ToArray();
        return data.Select(keep);
    }

    private static IDataView ToKey(MLContext ml, IDataView view, IReadOnlyList<string> keyValues)
    {
        var keyData = ml.Data.LoadFromEnumerable(keyValues.Select(v => new KeyRow { Label = v }));
        return ml.Transforms.Conversion.MapValueToKey("Label", keyData: keyData).Fit(view).Transform(view);
    }

    /// <summary>Every visible column except <paramref name="inputColumn"/> of every row, as text (round-trip floats, keys as "number:value").</summary>
    public static string[] Format(IDataView scored, string inputColumn)
    {
        var columns = scored.Schema.Where(c => !c.IsHidden && c.Name != inputColumn).ToArray();
        var lines = new List<string> { string.Join('\t', columns.Select(c => c.Name)) };
        using var cursor = scored.GetRowCursor(columns);
        var fields = columns.Select(c => Field(cursor, c)).ToArray();
        var line = new StringBuilder();
        while (cursor.MoveNext())
        {
            line.Clear();
            for (int i = 0; i < fields.Length; i++)
            {
                if (i > 0) line.Append('\t');
                line.Append(fields[i]());
            }
            lines.Add(line.ToString());
        }
        return lines.ToArray();
    }

    private static Func<string> Field(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        switch (column.Type)
        {
            case VectorDataViewType { ItemType: NumberDataViewType n } when n == NumberDataViewType.Single:
            {
                var getter = cursor.GetGetter<VBuffer<float>>(column);
                var value = default(VBuffer<float>);
                return () => { getter(ref value); return string.Join(' ', value.DenseValues().Select(v => v.ToString("R", CultureInfo.InvariantCulture))); };
            }
            case KeyDataViewType:
            {
                var names = default(VBuffer<ReadOnlyMemory<char>>);
                column.Annotations.GetValue("KeyValues", ref names);
                var text = names.DenseValues().Select(m => m.ToString()).ToArray();
                var getter = cursor.GetGetter<uint>(column);
                uint value = 0;
                return () => { getter(ref value); return value.ToString(CultureInfo.InvariantCulture) + ":" + (value > 0 ? text[value - 1] : ""); };
            }
            case TextDataViewType:
            {
                var getter = cursor.GetGetter<ReadOnlyMemory<char>>(column);
                var value = default(ReadOnlyMemory<char>);
                return () => { getter(ref value); return value.ToString(); };
            }
            default:
                throw new InvalidOperationException($"Column '{column.Name}' has the type {column.Type}, which the test formatter does not write.");
        }
    }

    private sealed class ImageRow
    {
        public float[] Features { get; set; } = [];

        public string Label { get; set; } = "";
    }

    private sealed class EmbeddingRow
    {
        public float[] Embedding { get; set; } = [];

        public string Label { get; set; } = "";
    }

    private sealed class KeyRow
    {
        public string Label { get; set; } = "";
    }
}

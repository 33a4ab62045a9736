using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Data;
using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Tests.Data;

/// <summary>
/// Synthetic bag-of-words rows like ML.NET's text featurizer gives: every row stores a few positive values (L2-normalised)
/// out of many columns, half of them from its class's own block of "topic" columns and half anywhere.
/// </summary>
internal static class SparseRows
{
    /// <summary><paramref name="rows"/> rows of <paramref name="columns"/> columns in <paramref name="classes"/> classes, <paramref name="perRow"/> (≤ columns) stored values each.</summary>
    public static Dataset Make(int rows, int columns, int classes, int perRow, int seed)
    {
        var random = new Random(seed);
        int topic = columns / (2 * classes);
        var builder = new SparseFeaturesBuilder(columns);
        var labels = new int[rows];
        var row = new SortedDictionary<int, float>();
        for (int i = 0; i < rows; i++)
        {
            int label = i % classes;
            labels[i] = label;
            row.Clear();
            for (int draw = 0; row.Count < perRow; draw++)
            {
                int c = draw % 2 == 0 ? label * topic + random.Next(topic) : random.Next(columns);
                row[c] = 1f + random.Next(3);
            }
            float norm = MathF.Sqrt(row.Values.Sum(v => v * v));
            builder.AppendSparse(row.Keys.ToArray(), row.Values.Select(v => v / norm).ToArray());
        }
        var names = Enumerable.Range(0, classes).Select(c => $"topic {c}").ToArray();
        return new Dataset(builder.Build(), TensorShape.Vector(columns), labels, names, "sparse rows");
    }

    /// <summary>The rows as a user's view: Features a sparse Vector&lt;Single, F&gt; (VBuffers as stored) and Label the class name as text.</summary>
    public static IDataView ToSparseView(this MLContext ml, Dataset data)
    {
        var sparse = data.Sparse!;
        var items = Enumerable.Range(0, data.Count).Select(i =>
        {
            var (indices, values) = sparse.Row(i);
            return new Row
            {
                Features = new VBuffer<float>(data.RowSize, values.Length, values.ToArray(), indices.ToArray()),
                Label = data.ClassNames[data.Labels![i]],
            };
        }).ToList();
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, data.RowSize);
        return ml.Data.LoadFromEnumerable(items, definition);
    }

    private sealed class Row
    {
        public VBuffer<float> Features { get; set; }

        public string Label { get; set; } = "";
    }
}

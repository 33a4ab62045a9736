using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Data;

namespace MLNetMarginLoss.Tests.MLNet;

/// <summary>Test data as a user's IDataView: Features (Vector&lt;Single&gt; with the sample's dimensions) and Label (the class name).</summary>
internal static class TestViews
{
    /// <summary>
    /// The rows of <paramref name="data"/>; <paramref name="labels"/> replaces the label names (e.g. shuffled), and
    /// <paramref name="withLabel"/> = false leaves the Label column out.
    /// </summary>
    public static IDataView ToView(this MLContext ml, Dataset data, bool withLabel = true, string[]? labels = null)
    {
        var s = data.FeatureShape;
        var type = s.IsVector ? new VectorDataViewType(NumberDataViewType.Single, s.Size) : new VectorDataViewType(NumberDataViewType.Single, s.Channels, s.Height, s.Width);
        if (withLabel)
        {
            var rows = Enumerable.Range(0, data.Count).Select(i => new LabelledRow
            {
                Features = data.Row(i).ToArray(),
                Label = labels?[i] ?? data.ClassNames[data.Labels![i]],
            }).ToList();
            var definition = SchemaDefinition.Create(typeof(LabelledRow));
            definition[nameof(LabelledRow.Features)].ColumnType = type;
            return ml.Data.LoadFromEnumerable(rows, definition);
        }
        var plain = Enumerable.Range(0, data.Count).Select(i => new FeatureRow { Features = data.Row(i).ToArray() }).ToList();
        var plainDefinition = SchemaDefinition.Create(typeof(FeatureRow));
        plainDefinition[nameof(FeatureRow.Features)].ColumnType = type;
        return ml.Data.LoadFromEnumerable(plain, plainDefinition);
    }

    /// <summary>The class names of <paramref name="data"/>'s rows.</summary>
    public static string[] LabelNames(Dataset data) => data.Labels!.Select(l => data.ClassNames[l]).ToArray();

    private sealed class LabelledRow
    {
        public float[] Features { get; set; } = [];
        public string Label { get; set; } = "";
    }

    private sealed class FeatureRow
    {
        public float[] Features { get; set; } = [];
    }
}

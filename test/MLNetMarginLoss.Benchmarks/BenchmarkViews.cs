using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Data;

namespace MLNetMarginLoss.Benchmarks;

/// <summary>Fashion-MNIST rows as the IDataViews an ML.NET user would build.</summary>
internal static class BenchmarkViews
{
    /// <summary>Features only.</summary>
    public static IDataView Features(MLContext ml, Dataset data)
    {
        var definition = SchemaDefinition.Create(typeof(FeatureRow));
        definition[nameof(FeatureRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 1, 28, 28);
        return ml.Data.LoadFromEnumerable(Enumerable.Range(0, data.Count).Select(i => new FeatureRow { Features = data.Row(i).ToArray() }).ToList(), definition);
    }

    /// <summary>Features and the class name mapped to a key.</summary>
    public static IDataView Keyed(MLContext ml, Dataset data)
    {
        var definition = SchemaDefinition.Create(typeof(LabelledRow));
        definition[nameof(LabelledRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 1, 28, 28);
        var view = ml.Data.LoadFromEnumerable(Enumerable.Range(0, data.Count)
            .Select(i => new LabelledRow { Features = data.Row(i).ToArray(), Label = data.ClassNames[data.Labels![i]] }).ToList(), definition);
        return ml.Transforms.Conversion.MapValueToKey("Label").Fit(view).Transform(view);
    }

    private sealed class FeatureRow
    {
        public float[] Features { get; set; } = [];
    }

    private sealed class LabelledRow
    {
        public float[] Features { get; set; } = [];
        public string Label { get; set; } = "";
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Data;
using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.TorchBackend.Tests;

/// <summary>Data for the training tests, as an application hands it to ML.NET.</summary>
internal static class DataViews
{
    private static readonly Lazy<Dataset> FashionTrain = new(() => MLNetMarginLoss.FashionMnist.LoadDataset(limit: 10_000));
    private static readonly Lazy<Dataset> FashionTest = new(() => MLNetMarginLoss.FashionMnist.LoadDataset(test: true, limit: 2_000));

    /// <summary>The first 10,000 Fashion-MNIST training rows.</summary>
    public static Dataset FashionMnistTrain => FashionTrain.Value;

    /// <summary>The first 2,000 Fashion-MNIST test rows.</summary>
    public static Dataset FashionMnistTest => FashionTest.Value;

    /// <summary>One row: the image as a known-size vector and the label as its class name.</summary>
    public sealed class Row
    {
        public float[] Features { get; set; } = [];

        public string Label { get; set; } = "";
    }

    /// <summary>
    /// <paramref name="data"/> as an IDataView: Features a Vector&lt;Single, C, H, W&gt; (dimensions set through a
    /// SchemaDefinition, as ImageAnalytics' ExtractPixels would), Label the class name (a string; map it to a key).
    /// </summary>
    public static IDataView ToDataView(MLContext ml, Dataset data)
    {
        var rows = Enumerable.Range(0, data.Count).Select(i => new Row
        {
            Features = data.Row(i).ToArray(),
            Label = data.ClassNames[data.Labels![i]],
        }).ToList();
        var schema = SchemaDefinition.Create(typeof(Row));
        var s = data.FeatureShape;
        schema[nameof(Row.Features)].ColumnType = s.IsVector
            ? new VectorDataViewType(NumberDataViewType.Single, s.Channels)
            : new VectorDataViewType(NumberDataViewType.Single, s.Channels, s.Height, s.Width);
        return ml.Data.LoadFromEnumerable(rows, schema);
    }

    /// <summary>
    /// A small, learnable synthetic problem: <paramref name="classes"/> Gaussian clusters in <paramref name="features"/>
    /// dimensions (centres fixed, samples drawn from <paramref name="seed"/>, a little noise), for the quick
    /// training-semantics tests. Sets with different seeds are samples of the same problem.
    /// </summary>
    public static Dataset Clusters(int rows, int features = 12, int classes = 4, int seed = 1, float spread = 0.6f)
    {
        var centreRandom = new SeededRandom(12345);
        var centres = new float[classes * features];
        for (int i = 0; i < centres.Length; i++) centres[i] = (float)centreRandom.NextGaussian() * 2;
        var random = new SeededRandom(seed);
        var x = new float[rows * features];
        var labels = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            int c = r % classes;
            labels[r] = c;
            for (int j = 0; j < features; j++) x[r * features + j] = centres[c * features + j] + spread * (float)random.NextGaussian();
        }
        var names = Enumerable.Range(0, classes).Select(c => $"class {c}").ToArray();
        return new Dataset(x, TensorShape.Vector(features), labels, names, "clusters");
    }

    /// <summary>Maps Label to a key and trains <paramref name="trainer"/>; returns the fitted chain.</summary>
    public static TransformerChain<ArcFaceTransformer> Fit(MLContext ml, IDataView train, ArcFaceTrainer trainer) =>
        ml.Transforms.Conversion.MapValueToKey("Label").Append(trainer).Fit(train);

    /// <summary>Label keys for a validation set, with the training set's key mapping.</summary>
    public static IDataView KeyedLike(MLContext ml, IDataView train, IDataView data) =>
        ml.Transforms.Conversion.MapValueToKey("Label").Fit(train).Transform(data);
}

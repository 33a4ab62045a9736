using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Heads;
using MLNetMarginLoss.MLNet;
using MLNetMarginLoss.Training;

namespace MLNetMarginLoss.Tests.MLNet;

/// <summary>
/// Networks built directly, without training: an identity encoder (Flatten → Linear E×E with W = I, b = 0, so the
/// embedding of a row is the row) and a head with its seeded random initial class centres. A row equal to a class's
/// centre is then predicted as that class: cos = 1 with its own centre and less with any other.
/// </summary>
internal static class TestNetworks
{
    /// <summary>An identity encoder of <paramref name="embeddingSize"/> values and a <paramref name="head"/> over <paramref name="classCount"/> classes named "c0", "c1", ….</summary>
    public static TrainedNetwork Identity(int classCount, int embeddingSize = 16, HeadKind head = HeadKind.ArcFace, HeadOptions? options = null)
    {
        var encoder = MLNetMarginLoss.Encoders.Encoder.Build(new EncoderSpec { Kind = EncoderKind.Mlp, InputShape = TensorShape.Vector(embeddingSize), HiddenSizes = [], EmbeddingSize = embeddingSize }, new SeededRandom(1));
        foreach (var (name, p, _) in encoder.Network.NamedState())
        {
            Array.Clear(p.Value);
            if (name.EndsWith("weight", StringComparison.Ordinal))
                for (int i = 0; i < embeddingSize; i++) p.Value[i * embeddingSize + i] = 1;
        }
        var h = HeadFactory.Create(head, embeddingSize, classCount, options ?? new HeadOptions { Scale = 16 });
        h.Initialize(new SeededRandom(2));
        var names = Enumerable.Range(0, classCount).Select(i => "c" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return new TrainedNetwork(encoder, h, names, new TrainingHistory(), new ModelInfo());
    }

    /// <summary>The transformer of <paramref name="network"/> with the default column names.</summary>
    public static ArcFaceTransformer Transformer(TrainedNetwork network, bool saveClassifier = true) =>
        new(network, new ColumnNames("Features", "Score", "PredictedLabel", "Embedding"), "engine", saveClassifier: saveClassifier);

    /// <summary>Class <paramref name="j"/>'s (first) centre, a row the identity encoder maps onto it.</summary>
    public static float[] Centre(TrainedNetwork network, int j)
    {
        var head = (CosineMarginHead)network.Head;
        int e = network.EmbeddingSize;
        return head.Centers.Weight.Row((long)j * head.SubCenters).ToArray();
    }

    /// <summary>Rows as an IDataView with one Features column, Vector&lt;Single, size&gt;.</summary>
    public static IDataView Rows(MLContext ml, IReadOnlyList<float[]> rows)
    {
        var schema = SchemaDefinition.Create(typeof(FeatureRow));
        schema[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, rows[0].Length);
        return ml.Data.LoadFromEnumerable(rows.Select(r => new FeatureRow { Features = r }).ToList(), schema);
    }

    private sealed class FeatureRow
    {
        public float[] Features { get; set; } = [];
    }
}

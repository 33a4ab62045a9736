using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace MLNetMarginLoss.MLNet;

/// <summary>
/// Builds the chain of built-in ML.NET transformers that a model of this library is saved as, so that
/// <c>mlContext.Model.Save</c> writes a standard model and an application with only Microsoft.ML and
/// Microsoft.ML.OnnxTransformer loads it (third-party transformers cannot be saved through ML.NET's public API):
/// <list type="number">
/// <item>ApplyOnnxModel: the single-row inference graph, stored inside the .zip, adding the graph's outputs
/// (e.g. Embedding, Score) and an int64 [1] predicted class index;</item>
/// <item>Hash(combine: true): the one built-in that turns that Vector&lt;Int64, 1&gt; into a scalar (a 31-bit key);</item>
/// <item>MapValue: hash of index i → class name i (hashes computed here by running the same Hash on 0..C−1,
/// re-seeded on a collision);</item>
/// <item>MapValueToKey: class name → the predicted key, with the class names as KeyValues in the training label
/// key's order, so PredictedLabel is the same key type ML.NET's evaluators and MapKeyToValue expect;</item>
/// <item>DropColumns: the helper columns.</item>
/// </list>
/// A graph may answer "no class" with index −1 (the k-NN classifier's open-set "unknown"): built with
/// <c>unknownIndex: true</c>, the hash of −1 is kept distinct from every class's, so MapValue leaves it unmapped
/// (empty text) and MapValueToKey gives key 0, ML.NET's missing value.
/// </summary>
internal static class PredictionChain
{
    /// <summary>
    /// The chain for an ONNX graph with one input and the given outputs; <paramref name="indexOutput"/> is the int64 [1]
    /// class index, and −1 in it means "no class" (key 0) when <paramref name="unknownIndex"/> is set.
    /// </summary>
    public static TransformerChain<ITransformer> Build(MLContext ml, byte[] onnx, string inputColumn, IReadOnlyList<string> outputs,
        string indexOutput, string predictionColumn, IReadOnlyList<string> classNames, int featureSize, bool unknownIndex = false)
    {
        string hashColumn = indexOutput + ".Hash", nameColumn = indexOutput + ".Name";
        var onnxEstimator = ml.Transforms.ApplyOnnxModel(outputs.Append(indexOutput).ToArray(), [inputColumn], new MemoryStream(onnx));
        var (hash, table) = HashOfIndices(ml, hashColumn, indexOutput, classNames.Count, unknownIndex);
        var map = ml.Transforms.Conversion.MapValue(nameColumn,
            table.Select((h, i) => new KeyValuePair<uint, string>(h, classNames[i])), hashColumn);
        var keyData = ml.Data.LoadFromEnumerable(classNames.Select(n => new ClassName { Name = n }));
        var toKey = ml.Transforms.Conversion.MapValueToKey(predictionColumn, nameColumn, keyData: keyData);
        var drop = ml.Transforms.DropColumns(indexOutput, hashColumn, nameColumn);
        var chain = onnxEstimator.Append(hash).Append(map).Append(toKey).Append(drop).Fit(EmptyInput(ml, inputColumn, featureSize));
        return new TransformerChain<ITransformer>(chain.ToArray());
    }

    /// <summary>A view with no rows and one Vector&lt;Single, size&gt; column: all the estimators need to be fitted.</summary>
    internal static IDataView EmptyInput(MLContext ml, string column, int size)
    {
        var schema = SchemaDefinition.Create(typeof(FeatureRow));
        schema[0].ColumnName = column;
        schema[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
        return ml.Data.LoadFromEnumerable(Array.Empty<FeatureRow>(), schema);
    }

    /// <summary>
    /// The Hash estimator and the hashes of class indices 0..C−1 (distinct, and distinct from the hash of −1 when
    /// <paramref name="unknownIndex"/> is set; that one is not returned).
    /// </summary>
    private static (HashingEstimator Estimator, uint[] Hashes) HashOfIndices(MLContext ml, string hashColumn, string indexColumn, int classCount, bool unknownIndex)
    {
        var indices = Enumerable.Range(0, classCount).Select(i => (long)i);
        if (unknownIndex) indices = indices.Append(-1);
        var rows = indices.Select(i => new IndexRow { Index = [i] }).ToArray();
        var schema = SchemaDefinition.Create(typeof(IndexRow));
        schema[nameof(IndexRow.Index)].ColumnName = indexColumn;
        schema[0].ColumnType = new VectorDataViewType(NumberDataViewType.Int64, 1);
        var view = ml.Data.LoadFromEnumerable(rows, schema);
        for (uint seed = 314489979; ; seed++)
        {
            var estimator = ml.Transforms.Conversion.Hash([new HashingEstimator.ColumnOptions(hashColumn, indexColumn, numberOfBits: 31, seed: seed, combine: true)]);
            var hashed = estimator.Fit(view).Transform(view);
            var values = hashed.GetColumn<uint>(hashColumn).ToArray();
            if (values.Distinct().Count() == rows.Length) return (estimator, values[..classCount]);
        }
    }

    private sealed class FeatureRow
    {
        public float[] Features { get; set; } = [];
    }

    private sealed class IndexRow
    {
        public long[] Index { get; set; } = [];
    }

    private sealed class ClassName
    {
        public string Name { get; set; } = "";
    }
}

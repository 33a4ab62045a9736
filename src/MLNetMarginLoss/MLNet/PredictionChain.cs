using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetMarginLoss.MLNet;

/// <summary>
/// Builds the chain of built-in ML.NET transformers that a model of this library is saved as, so that
/// <c>mlContext.Model.Save</c> writes a standard model and an application with only Microsoft.ML and
/// Microsoft.ML.OnnxTransformer loads it (third-party transformers cannot be saved through ML.NET's public API):
/// <list type="number">
/// <item>ApplyOnnxModel: the single-row graph, stored inside the .zip, adding the graph's outputs (e.g. Embedding,
/// Score — with the class names as Score's SlotNames, from the graph's <c>mlnet.Score.SlotNames</c> node) and an int64
/// [1] class code (the predicted class's entry of <see cref="ClassCodes.Table"/>, looked up in the graph);</item>
/// <item>Hash(combine: true): the one built-in that turns that Vector&lt;Int64, 1&gt; into a scalar (a 31-bit
/// hash; the codes are chosen so that every class's hash is distinct, for any class count);</item>
/// <item>MapValue: hash of class i's code → the label key's value i, of the label's own type (text, Single, Int32,
/// Boolean…; see <see cref="LabelKeyValues"/>);</item>
/// <item>MapValueToKey: that value → the predicted key, with the training label key's values as KeyValues in its
/// order, so PredictedLabel is the key type ML.NET's evaluators and MapKeyToValue expect and MapKeyToValue gives the
/// label's original type back;</item>
/// <item>DropColumns: the helper columns.</item>
/// </list>
/// The chain reads only the feature column (it is fitted on a view that has nothing else), so inference never needs a
/// label. A graph may answer "no class" with index −1 (the k-NN classifier's open-set "unknown"): with an unknown code,
/// its hash maps to a value that is no class, which MapValueToKey makes key 0, ML.NET's missing value.
/// </summary>
internal static class PredictionChain
{
    /// <summary>
    /// The chain for an ONNX graph with one input and the given outputs; <paramref name="codeOutput"/> is the int64 [1]
    /// class code of <paramref name="codes"/>, and <paramref name="classes"/> are the label key's values.
    /// </summary>
    public static TransformerChain<ITransformer> Build(MLContext ml, OnnxModelFile onnx, string inputColumn, int featureSize, IReadOnlyList<string> outputs,
        string codeOutput, string predictionColumn, ClassCodes codes, LabelKeyValues classes) =>
        Build(ml, onnx, inputColumn, featureSize, outputs, codeOutput, predictionColumn, codes, classes, out _);

    /// <summary>
    /// <see cref="Build(MLContext, OnnxModelFile, string, int, IReadOnlyList{string}, string, string, ClassCodes, LabelKeyValues)"/>,
    /// also giving the estimator chain it was fitted from: its <c>GetOutputSchema</c> gives the output's schema shape
    /// for any input shape (an estimator that learns nothing from its input states its output columns with it).
    /// </summary>
    public static TransformerChain<ITransformer> Build(MLContext ml, OnnxModelFile onnx, string inputColumn, int featureSize, IReadOnlyList<string> outputs,
        string codeOutput, string predictionColumn, ClassCodes codes, LabelKeyValues classes, out IEstimator<ITransformer> estimator)
    {
        if (codes.ClassCount != classes.Count) throw new ArgumentException($"{codes.ClassCount} class codes for {classes.Count} classes.", nameof(codes));
        string hashColumn = codeOutput + ".Hash", valueColumn = codeOutput + ".Value";
        var chain = ml.Transforms.ApplyOnnxModel(outputs.Append(codeOutput).ToArray(), [inputColumn], onnx.Path)
            .Append(ClassCodes.Hash(ml, hashColumn, codeOutput))
            .Append(classes.KeyMapping(ml, predictionColumn, valueColumn, hashColumn, codes.ClassHashes.ToArray(), codes.UnknownHash))
            .Append(ml.Transforms.DropColumns(codeOutput, hashColumn, valueColumn));
        estimator = chain;
        return Flatten(chain.Fit(EmptyInput(ml, inputColumn, featureSize)));
    }

    /// <summary>The chain of an ONNX graph alone (e.g. an encoder's Embedding output), fitted on the feature column only.</summary>
    public static TransformerChain<ITransformer> BuildOnnx(MLContext ml, OnnxModelFile onnx, string inputColumn, int featureSize, IReadOnlyList<string> outputs)
    {
        var onnxTransformer = ml.Transforms.ApplyOnnxModel(outputs.ToArray(), [inputColumn], onnx.Path).Fit(EmptyInput(ml, inputColumn, featureSize));
        return new TransformerChain<ITransformer>(onnxTransformer);
    }

    /// <summary>A view with no rows and one Vector&lt;Single, size&gt; column: all the estimators need to be fitted.</summary>
    internal static IDataView EmptyInput(MLContext ml, string column, int size)
    {
        var schema = SchemaDefinition.Create(typeof(FeatureRow));
        schema[0].ColumnName = column;
        schema[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
        return ml.Data.LoadFromEnumerable(Array.Empty<FeatureRow>(), schema);
    }

    /// <summary>The transformers of nested chains in one flat chain (what is saved: one transformer per step).</summary>
    private static TransformerChain<ITransformer> Flatten(ITransformer transformer)
    {
        var steps = new List<ITransformer>();
        void Add(ITransformer t)
        {
            if (t is IEnumerable<ITransformer> chain) foreach (var inner in chain) Add(inner);
            else steps.Add(t);
        }
        Add(transformer);
        return new TransformerChain<ITransformer>(steps.ToArray());
    }

    private sealed class FeatureRow
    {
        public float[] Features { get; set; } = [];
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Data;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.MLNet;

namespace MLNetMarginLoss.Evaluation;

/// <summary>
/// Reads what the evaluators on <see cref="IDataView"/> need: an embedding column with a key label column, or two key
/// columns (label and prediction). Errors name the column, the type found and the fix.
/// </summary>
internal static class LabelledEmbeddings
{
    /// <summary>The embeddings (row-major) and class indices of every row; a missing label (key 0) is an error.</summary>
    public static Dataset Read(IDataView data, string labelColumn, string embeddingColumn, string source)
    {
        ArgumentNullException.ThrowIfNull(data);
        var col = data.Schema.GetColumnOrNull(embeddingColumn)
            ?? throw new ArgumentException($"{source}: there is no embedding column '{embeddingColumn}' (columns: {Columns(data.Schema)}); add mlContext.Transforms.ExtractEmbeddings(model), or pass the column's name.");
        if (col.Type is not VectorDataViewType { ItemType: var item, Size: > 0 and var d } || item != NumberDataViewType.Single)
            throw new ArgumentException($"{source}: embedding column '{embeddingColumn}' is {col.Type}, expected a known-size vector of Single.");
        if (data.Schema.GetColumnOrNull(labelColumn) is null)
            throw new ArgumentException($"{source}: there is no label column '{labelColumn}' (columns: {Columns(data.Schema)}); pass the label column's name.");
        return DataViewReader.Read(data, embeddingColumn, labelColumn, TensorShape.Vector(d), source, requireLabels: true);
    }

    /// <summary>
    /// True and predicted class indices of every row, the predictions mapped onto the label's classes by name when the
    /// two keys differ; a predicted key 0 is −1 (unknown), a label key 0 an error.
    /// </summary>
    public static (int[] Labels, int[] Predicted, string[] ClassNames) ReadPredictions(IDataView data, string labelColumn, string predictedColumn, string source)
    {
        ArgumentNullException.ThrowIfNull(data);
        var (labelCol, labelNames) = KeyColumn(data.Schema, labelColumn, source, "label", "mlContext.Transforms.Conversion.MapValueToKey");
        var (predCol, predNames) = KeyColumn(data.Schema, predictedColumn, source, "predicted-label", "a classifier (its PredictedLabel column)");
        var map = new int[predNames.Length];
        if (predNames.SequenceEqual(labelNames))
            for (int i = 0; i < map.Length; i++) map[i] = i;
        else
        {
            var byName = new Dictionary<string, int>();
            for (int i = 0; i < labelNames.Length; i++) byName.TryAdd(labelNames[i], i);
            for (int i = 0; i < map.Length; i++)
                map[i] = byName.TryGetValue(predNames[i], out var j) ? j
                    : throw new ArgumentException($"{source}: predicted class '{predNames[i]}' (column '{predictedColumn}') is not a value of label column '{labelColumn}' [{string.Join(", ", labelNames.Take(10))}]; map both with the same key values.");
        }
        var labels = new List<int>();
        var predicted = new List<int>();
        using var cursor = data.GetRowCursor([labelCol, predCol]);
        var getLabel = cursor.GetGetter<uint>(labelCol);
        var getPredicted = cursor.GetGetter<uint>(predCol);
        uint y = 0, p = 0;
        while (cursor.MoveNext())
        {
            getLabel(ref y);
            getPredicted(ref p);
            if (y == 0)
                throw new ArgumentException($"{source}: row {labels.Count + 1}, column '{labelColumn}': the label is missing (key 0: a value the MapValueToKey transformer did not know); remove such rows or fit MapValueToKey on data that has every label.");
            labels.Add((int)y - 1);
            predicted.Add(p == 0 ? -1 : map[p - 1]);
        }
        return (labels.ToArray(), predicted.ToArray(), labelNames);
    }

    private static (DataViewSchema.Column Column, string[] Names) KeyColumn(DataViewSchema schema, string name, string source, string what, string fix)
    {
        var col = schema.GetColumnOrNull(name)
            ?? throw new ArgumentException($"{source}: there is no {what} column '{name}' (columns: {Columns(schema)}).");
        if (col.Type is not KeyDataViewType key || key.RawType != typeof(uint))
            throw new ArgumentException($"{source}: {what} column '{name}' is {col.Type}, expected a key; produce it with {fix}.");
        return (col, DataViewReader.KeyNames(col, key));
    }

    private static string Columns(DataViewSchema schema) => string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => c.Name));
}

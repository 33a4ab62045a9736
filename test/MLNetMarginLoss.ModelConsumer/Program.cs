// Loads ML.NET models saved by MLNetMarginLoss without referencing it, scores rows and writes what it sees.
//
//   consumer <input.bin> (<model.zip> <output.json>)...
//
// input.bin: int32 rows, int32 features, int32 hasLabels, then rows × features float32, then (if hasLabels)
// one UTF-8 label per row, each as int32 byte length + bytes. The input column names come from each model's
// saved input schema (the one vector column of Single is the features; a String column is the raw label).
// output.json: every output column the model adds, per row (vectors of Single as arrays, keys as their text
// value or null for key 0), plus ML.NET's multiclass metrics when labels were given and the model has Score and
// PredictedLabel, plus the list of loaded assemblies whose name starts with "MLNetMarginLoss" (must be empty).
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;

if (args.Length < 3 || args.Length % 2 == 0)
{
    Console.Error.WriteLine("usage: consumer <input.bin> (<model.zip> <output.json>)...");
    return 2;
}
var (features, featureCount, labels) = ReadInput(args[0]);
var ml = new MLContext(seed: 0);
for (int m = 1; m < args.Length; m += 2)
{
    var model = ml.Model.Load(args[m], out var inputSchema);
    var featureColumn = inputSchema.First(c => c.Type is VectorDataViewType { ItemType: NumberDataViewType n } && n == NumberDataViewType.Single);
    var labelColumn = inputSchema.FirstOrDefault(c => c.Type is TextDataViewType);
    var vectorType = (VectorDataViewType)featureColumn.Type;
    if (vectorType.Size != featureCount) throw new InvalidOperationException($"{args[m]} takes {vectorType.Size} features, the input has {featureCount}.");

    var definition = SchemaDefinition.Create(typeof(Row));
    definition[nameof(Row.Features)].ColumnName = featureColumn.Name;
    definition[nameof(Row.Features)].ColumnType = vectorType;
    definition[nameof(Row.Label)].ColumnName = labelColumn.Name ?? "__label";
    var rows = Enumerable.Range(0, features.Length / featureCount).Select(i => new Row
    {
        Features = features.AsSpan(i * featureCount, featureCount).ToArray(),
        Label = labels?[i] ?? "",
    }).ToList();
    var data = ml.Data.LoadFromEnumerable(rows, definition);
    var scored = model.Transform(data);

    var added = scored.Schema.Where(c => !c.IsHidden && c.Name != featureColumn.Name).ToList();
    var result = new Dictionary<string, object?>();
    foreach (var column in added)
    {
        if (column.Type is VectorDataViewType { ItemType: NumberDataViewType t } && t == NumberDataViewType.Single)
            result[column.Name] = scored.GetColumn<float[]>(column.Name).ToList();
        else if (column.Type is KeyDataViewType key)
        {
            var names = default(VBuffer<ReadOnlyMemory<char>>);
            column.GetKeyValues(ref names);
            var text = names.DenseValues().Select(v => v.ToString()).ToArray();
            result[column.Name] = scored.GetColumn<uint>(column.Name).Select(k => k == 0 ? null : text[k - 1]).ToList();
            result[column.Name + ".KeyValues"] = text;
        }
        else if (column.Type is TextDataViewType)
            result[column.Name] = scored.GetColumn<ReadOnlyMemory<char>>(column.Name).Select(v => v.ToString()).ToList();
    }
    // ML.NET's evaluator takes the arg-max of Score, so it works whether PredictedLabel is still a key or was mapped back.
    if (labels is not null && scored.Schema.GetColumnOrNull("Score") is not null && scored.Schema.GetColumnOrNull(labelColumn.Name ?? "") is { Type: KeyDataViewType })
    {
        var metrics = ml.MulticlassClassification.Evaluate(scored, labelColumnName: labelColumn.Name!);
        result["metrics"] = new Dictionary<string, double> { ["MicroAccuracy"] = metrics.MicroAccuracy, ["MacroAccuracy"] = metrics.MacroAccuracy, ["LogLoss"] = metrics.LogLoss };
    }
    string self = typeof(Row).Assembly.GetName().Name!;
    result["libraryAssemblies"] = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name)
        .Where(n => n is not null && n != self && (n == "MLNetMarginLoss" || n.StartsWith("MLNetMarginLoss.", StringComparison.Ordinal))).ToArray();
    File.WriteAllText(args[m + 1], JsonSerializer.Serialize(result));
}
return 0;

static (float[] Features, int FeatureCount, string[]? Labels) ReadInput(string path)
{
    using var reader = new BinaryReader(File.OpenRead(path));
    int rows = reader.ReadInt32(), count = reader.ReadInt32();
    bool hasLabels = reader.ReadInt32() != 0;
    var features = new float[rows * count];
    for (int i = 0; i < features.Length; i++) features[i] = reader.ReadSingle();
    string[]? labels = null;
    if (hasLabels)
    {
        labels = new string[rows];
        for (int i = 0; i < rows; i++) labels[i] = System.Text.Encoding.UTF8.GetString(reader.ReadBytes(reader.ReadInt32()));
    }
    return (features, count, labels);
}

internal sealed class Row
{
    public float[] Features { get; set; } = [];
    public string Label { get; set; } = "";
}

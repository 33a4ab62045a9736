// Loads ML.NET models saved by MLNetMarginLoss without referencing it, scores rows and writes what it sees.
//
//   consumer <input.bin> [--features NAME] [--label NAME] [--engine] (<model.zip> <output.json>)...
//
// input.bin (little-endian): int32 rows, int32 values per row, int32 label kind (0 none, 1 text, 2 Single), the rows
// as float32, then one label per row (text: int32 UTF-8 byte length and the bytes; Single: float32).
// The feature column is --features, else the first vector-of-Single column of each model's saved input schema (its
// declared type is used when its size matches the rows); the label column, when labels are given, is --label
// (default "Label").
// output.json, per model: "inputSchema" (the saved input schema), "columns" (every visible output column but the
// features: its type, its values row by row — vectors as arrays, keys as their number — and its SlotNames and
// KeyValues annotations with their item type), "metrics" (ML.NET's multiclass metrics, when the output has Score and
// a key label column), "engine" (with --engine: PredictedLabel and Score from a PredictionEngine whose input class has
// no label, and from one whose input class has a string label; an "error" instead where creating or running it
// failed), "loadSeconds", "scoreSeconds", "rowsPerSecond", "peakWorkingSetMB", and "libraryAssemblies" (assemblies
// of MLNetMarginLoss in this process: none, or the exit code is 3).
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;

var (inputPath, featureName, labelName, engine, models) = ParseArguments(args);
if (inputPath is null)
{
    Console.Error.WriteLine("usage: consumer <input.bin> [--features NAME] [--label NAME] [--engine] (<model.zip> <output.json>)...");
    return 2;
}
var input = InputRows.Read(inputPath);
var ml = new MLContext(seed: 0);
foreach (var (modelPath, outputPath) in models)
{
    var clock = Stopwatch.StartNew();
    var model = ml.Model.Load(modelPath, out var savedSchema);
    double loadSeconds = clock.Elapsed.TotalSeconds;
    var features = FeatureColumn(savedSchema, featureName, input.RowSize, modelPath);
    var data = input.ToDataView(ml, features.Name, features.Type, labelName);

    clock.Restart();
    var scored = model.Transform(data);
    var columns = scored.Schema.Where(c => !c.IsHidden && !(c.Name == features.Name && c.Type.Equals(features.Type))).ToArray();
    using var stream = new MemoryStream();
    using (var json = new Utf8JsonWriter(stream))
    {
        json.WriteStartObject();
        json.WritePropertyName("inputSchema");
        json.WriteStartArray();
        foreach (var c in savedSchema ?? Enumerable.Empty<DataViewSchema.Column>())
        {
            json.WriteStartObject();
            json.WriteString("name", c.Name);
            json.WriteString("type", c.Type.ToString());
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WritePropertyName("columns");
        ColumnWriter.WriteColumns(json, scored, columns);
        double scoreSeconds = clock.Elapsed.TotalSeconds;

        if (input.LabelKind != 0 && scored.Schema.GetColumnOrNull("Score") is not null && scored.Schema.GetColumnOrNull(labelName) is { Type: KeyDataViewType })
        {
            // ML.NET's evaluator takes the arg-max of Score, so it works whether PredictedLabel is still a key or was mapped back.
            var metrics = ml.MulticlassClassification.Evaluate(scored, labelColumnName: labelName);
            json.WritePropertyName("metrics");
            json.WriteStartObject();
            json.WriteNumber("MicroAccuracy", metrics.MicroAccuracy);
            json.WriteNumber("MacroAccuracy", metrics.MacroAccuracy);
            json.WriteNumber("LogLoss", metrics.LogLoss);
            json.WriteEndObject();
        }
        if (engine)
        {
            json.WritePropertyName("engine");
            json.WriteStartObject();
            EngineRuns.Write(json, "withoutLabel", () => EngineRuns.Run<FeaturesRow>(ml, model, input, features, null, i => new FeaturesRow { Features = input.Row(i) }));
            EngineRuns.Write(json, "withTextLabel", () => EngineRuns.Run<FeaturesAndTextLabelRow>(ml, model, input, features, labelName,
                i => new FeaturesAndTextLabelRow { Features = input.Row(i), Label = "" }));
            json.WriteEndObject();
        }

        var process = Process.GetCurrentProcess();
        process.Refresh();
        json.WriteNumber("loadSeconds", loadSeconds);
        json.WriteNumber("scoreSeconds", scoreSeconds);
        json.WriteNumber("rowsPerSecond", input.Rows / Math.Max(scoreSeconds, 1e-9));
        json.WriteNumber("peakWorkingSetMB", process.PeakWorkingSet64 / 1048576.0);
        json.WritePropertyName("libraryAssemblies");
        json.WriteStartArray();
        foreach (var name in LibraryAssemblies()) json.WriteStringValue(name);
        json.WriteEndArray();
        json.WriteEndObject();
    }
    File.WriteAllBytes(outputPath, stream.ToArray());
    if (LibraryAssemblies().Length > 0)
    {
        Console.Error.WriteLine($"MLNetMarginLoss assemblies were loaded: {string.Join(", ", LibraryAssemblies())}");
        return 3;
    }
}
return 0;

static (string? Input, string? Features, string Label, bool Engine, List<(string Model, string Output)> Models) ParseArguments(string[] args)
{
    string? input = null, features = null;
    string label = "Label";
    bool engine = false;
    var models = new List<(string, string)>();
    var positional = new List<string>();
    for (int i = 0; i < args.Length; i++)
    {
        switch (args[i])
        {
            case "--features" when i + 1 < args.Length: features = args[++i]; break;
            case "--label" when i + 1 < args.Length: label = args[++i]; break;
            case "--engine": engine = true; break;
            default: positional.Add(args[i]); break;
        }
    }
    if (positional.Count < 3 || positional.Count % 2 == 0) return (null, null, label, engine, models);
    input = positional[0];
    for (int i = 1; i < positional.Count; i += 2) models.Add((positional[i], positional[i + 1]));
    return (input, features, label, engine, models);
}

static (string Name, VectorDataViewType Type) FeatureColumn(DataViewSchema? saved, string? name, int rowSize, string model)
{
    var column = name is not null ? saved?.GetColumnOrNull(name)
        : saved?.FirstOrDefault(c => !c.IsHidden && c.Type is VectorDataViewType { ItemType: NumberDataViewType n } && n == NumberDataViewType.Single);
    string columnName = name ?? column?.Name ?? throw new InvalidOperationException($"{model} has no saved input schema with a vector of Single; pass --features NAME.");
    var type = column?.Type is VectorDataViewType { Size: var size } declared && size == rowSize ? declared : new VectorDataViewType(NumberDataViewType.Single, rowSize);
    return (columnName, type);
}

static string[] LibraryAssemblies()
{
    string self = typeof(FeaturesRow).Assembly.GetName().Name!;
    return AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name!)
        .Where(n => n != self && (n == "MLNetMarginLoss" || n.StartsWith("MLNetMarginLoss.", StringComparison.Ordinal) || n == "mlnet-margin")).ToArray();
}

/// <summary>The rows of input.bin.</summary>
internal sealed class InputRows
{
    public int Rows { get; private init; }
    public int RowSize { get; private init; }
    public int LabelKind { get; private init; }
    public float[] Features { get; private init; } = [];
    public string[]? TextLabels { get; private init; }
    public float[]? SingleLabels { get; private init; }

    public float[] Row(int i) => Features.AsSpan(i * RowSize, RowSize).ToArray();

    public static InputRows Read(string path)
    {
        using var reader = new BinaryReader(File.OpenRead(path));
        int rows = reader.ReadInt32(), size = reader.ReadInt32(), kind = reader.ReadInt32();
        var features = new float[rows * size];
        for (int i = 0; i < features.Length; i++) features[i] = reader.ReadSingle();
        string[]? text = null;
        float[]? single = null;
        if (kind == 1)
        {
            text = new string[rows];
            for (int i = 0; i < rows; i++) text[i] = Encoding.UTF8.GetString(reader.ReadBytes(reader.ReadInt32()));
        }
        else if (kind == 2)
        {
            single = new float[rows];
            for (int i = 0; i < rows; i++) single[i] = reader.ReadSingle();
        }
        else if (kind != 0) throw new InvalidDataException($"{path}: label kind {kind} is not 0, 1 or 2.");
        return new InputRows { Rows = rows, RowSize = size, LabelKind = kind, Features = features, TextLabels = text, SingleLabels = single };
    }

    /// <summary>The rows as an IDataView: the feature column, and the label column when there are labels.</summary>
    public IDataView ToDataView(MLContext ml, string featureName, VectorDataViewType featureType, string labelName)
    {
        switch (LabelKind)
        {
            case 1:
            {
                var definition = SchemaDefinition.Create(typeof(FeaturesAndTextLabelRow));
                SetColumns(definition, featureName, featureType, labelName);
                return ml.Data.LoadFromEnumerable(Enumerable.Range(0, Rows).Select(i => new FeaturesAndTextLabelRow { Features = Row(i), Label = TextLabels![i] }).ToList(), definition);
            }
            case 2:
            {
                var definition = SchemaDefinition.Create(typeof(FeaturesAndSingleLabelRow));
                SetColumns(definition, featureName, featureType, labelName);
                return ml.Data.LoadFromEnumerable(Enumerable.Range(0, Rows).Select(i => new FeaturesAndSingleLabelRow { Features = Row(i), Label = SingleLabels![i] }).ToList(), definition);
            }
            default:
            {
                var definition = SchemaDefinition.Create(typeof(FeaturesRow));
                SetColumns(definition, featureName, featureType, null);
                return ml.Data.LoadFromEnumerable(Enumerable.Range(0, Rows).Select(i => new FeaturesRow { Features = Row(i) }).ToList(), definition);
            }
        }
    }

    public static void SetColumns(SchemaDefinition definition, string featureName, VectorDataViewType featureType, string? labelName)
    {
        definition["Features"].ColumnName = featureName;
        definition["Features"].ColumnType = featureType;
        if (labelName is not null) definition["Label"].ColumnName = labelName;
    }
}

/// <summary>Writes output columns as JSON, whatever their item type.</summary>
internal static class ColumnWriter
{
    public static void WriteColumns(Utf8JsonWriter json, IDataView scored, DataViewSchema.Column[] columns)
    {
        var values = columns.Select(_ => new List<Action<Utf8JsonWriter>>()).ToArray();
        using (var cursor = scored.GetRowCursor(columns))
        {
            var readers = columns.Select(c => Reader(cursor, c)).ToArray();
            while (cursor.MoveNext())
                for (int i = 0; i < columns.Length; i++) values[i].Add(readers[i]());
        }
        json.WriteStartObject();
        for (int i = 0; i < columns.Length; i++)
        {
            var column = columns[i];
            json.WritePropertyName(column.Name);
            json.WriteStartObject();
            json.WriteString("type", column.Type.ToString());
            WriteAnnotation(json, column, "SlotNames", "slotNames");
            WriteAnnotation(json, column, "KeyValues", "keyValues");
            json.WritePropertyName("values");
            json.WriteStartArray();
            foreach (var v in values[i]) v(json);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndObject();
    }

    private static void WriteAnnotation(Utf8JsonWriter json, DataViewSchema.Column column, string kind, string property)
    {
        if (column.Annotations.Schema.GetColumnOrNull(kind) is not { } annotation) return;
        json.WritePropertyName(property);
        json.WriteStartObject();
        json.WriteString("type", annotation.Type.ToString());
        json.WritePropertyName("values");
        var item = ((VectorDataViewType)annotation.Type).ItemType;
        Dispatch(item.RawType, new AnnotationWriter(json, column.Annotations, kind));
        json.WriteEndObject();
    }

    /// <summary>A reader of one column's value for the cursor's current row, as a writer of that value.</summary>
    private static Func<Action<Utf8JsonWriter>> Reader(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        var item = column.Type is VectorDataViewType v ? v.ItemType : column.Type;
        var maker = new ReaderMaker(cursor, column, column.Type is VectorDataViewType);
        Dispatch(item.RawType, maker);
        return maker.Result!;
    }

    private interface ITypedAction
    {
        void Invoke<T>(Action<Utf8JsonWriter, T> write);
    }

    private static void Dispatch(Type raw, ITypedAction action)
    {
        if (raw == typeof(float)) action.Invoke<float>((j, x) => { if (float.IsFinite(x)) j.WriteNumberValue(x); else j.WriteStringValue(x.ToString(System.Globalization.CultureInfo.InvariantCulture)); });
        else if (raw == typeof(double)) action.Invoke<double>((j, x) => { if (double.IsFinite(x)) j.WriteNumberValue(x); else j.WriteStringValue(x.ToString(System.Globalization.CultureInfo.InvariantCulture)); });
        else if (raw == typeof(sbyte)) action.Invoke<sbyte>((j, x) => j.WriteNumberValue(x));
        else if (raw == typeof(byte)) action.Invoke<byte>((j, x) => j.WriteNumberValue(x));
        else if (raw == typeof(short)) action.Invoke<short>((j, x) => j.WriteNumberValue(x));
        else if (raw == typeof(ushort)) action.Invoke<ushort>((j, x) => j.WriteNumberValue(x));
        else if (raw == typeof(int)) action.Invoke<int>((j, x) => j.WriteNumberValue(x));
        else if (raw == typeof(uint)) action.Invoke<uint>((j, x) => j.WriteNumberValue(x));
        else if (raw == typeof(long)) action.Invoke<long>((j, x) => j.WriteNumberValue(x));
        else if (raw == typeof(ulong)) action.Invoke<ulong>((j, x) => j.WriteNumberValue(x));
        else if (raw == typeof(bool)) action.Invoke<bool>((j, x) => j.WriteBooleanValue(x));
        else if (raw == typeof(ReadOnlyMemory<char>)) action.Invoke<ReadOnlyMemory<char>>((j, x) => j.WriteStringValue(x.Span));
        else action.Invoke<object>((j, _) => j.WriteStringValue($"({raw.Name} not written)"));
    }

    private sealed class ReaderMaker(DataViewRowCursor cursor, DataViewSchema.Column column, bool vector) : ITypedAction
    {
        public Func<Action<Utf8JsonWriter>>? Result;

        public void Invoke<T>(Action<Utf8JsonWriter, T> write)
        {
            if (typeof(T) == typeof(object)) { Result = () => j => write(j, default!); return; }
            if (vector)
            {
                var getter = cursor.GetGetter<VBuffer<T>>(column);
                Result = () =>
                {
                    var buffer = default(VBuffer<T>);
                    getter(ref buffer);
                    var dense = buffer.DenseValues().ToArray();
                    return j => { j.WriteStartArray(); foreach (var x in dense) write(j, x); j.WriteEndArray(); };
                };
            }
            else
            {
                var getter = cursor.GetGetter<T>(column);
                Result = () =>
                {
                    T value = default!;
                    getter(ref value);
                    return j => write(j, value);
                };
            }
        }
    }

    private sealed class AnnotationWriter(Utf8JsonWriter json, DataViewSchema.Annotations annotations, string kind) : ITypedAction
    {
        public void Invoke<T>(Action<Utf8JsonWriter, T> write)
        {
            json.WriteStartArray();
            if (typeof(T) != typeof(object))
            {
                var values = default(VBuffer<T>);
                annotations.GetValue(kind, ref values);
                foreach (var x in values.DenseValues()) write(json, x);
            }
            json.WriteEndArray();
        }
    }
}

/// <summary>The user report's two PredictionEngines: an input class without a label, and one with a string label.</summary>
internal static class EngineRuns
{
    public static void Write(Utf8JsonWriter json, string name, Func<List<EnginePrediction>> run)
    {
        json.WritePropertyName(name);
        json.WriteStartObject();
        try
        {
            var predictions = run();
            json.WritePropertyName("PredictedLabel");
            json.WriteStartArray();
            foreach (var p in predictions) json.WriteStringValue(p.PredictedLabel);
            json.WriteEndArray();
            json.WritePropertyName("Score");
            json.WriteStartArray();
            foreach (var p in predictions)
            {
                json.WriteStartArray();
                foreach (var s in p.Score) json.WriteNumberValue(s);
                json.WriteEndArray();
            }
            json.WriteEndArray();
        }
        catch (Exception e)
        {
            json.WriteString("error", $"{e.GetType().Name}: {e.Message}");
        }
        json.WriteEndObject();
    }

    /// <summary>Predicts every row with a PredictionEngine over <typeparamref name="TInput"/> (output: Score and a text PredictedLabel).</summary>
    public static List<EnginePrediction> Run<TInput>(MLContext ml, ITransformer model, InputRows input, (string Name, VectorDataViewType Type) features,
        string? labelName, Func<int, TInput> row) where TInput : class, new()
    {
        var inputDefinition = SchemaDefinition.Create(typeof(TInput));
        InputRows.SetColumns(inputDefinition, features.Name, features.Type, labelName);
        var outputDefinition = SchemaDefinition.Create(typeof(EnginePrediction));
        var empty = ml.Data.LoadFromEnumerable(new List<TInput>(), inputDefinition);
        var scoreType = model.GetOutputSchema(empty.Schema)["Score"].Type;
        outputDefinition["Score"].ColumnType = scoreType;
        var engine = ml.Model.CreatePredictionEngine<TInput, EnginePrediction>(model, ignoreMissingColumns: false, inputDefinition, outputDefinition);
        return Enumerable.Range(0, input.Rows).Select(i => engine.Predict(row(i))).Select(p => new EnginePrediction { PredictedLabel = p.PredictedLabel, Score = p.Score.ToArray() }).ToList();
    }
}

internal sealed class FeaturesRow
{
    public float[] Features { get; set; } = [];
}

internal sealed class FeaturesAndTextLabelRow
{
    public float[] Features { get; set; } = [];
    public string Label { get; set; } = "";
}

internal sealed class FeaturesAndSingleLabelRow
{
    public float[] Features { get; set; } = [];
    public float Label { get; set; }
}

internal sealed class EnginePrediction
{
    public string PredictedLabel { get; set; } = "";
    public float[] Score { get; set; } = [];
}

// Loads a model .zip with mlContext.Model.Load, scores the rows of a binary file and writes every output column as text.
//   dotnet MLNetMarginLoss.StandaloneConsumer.dll model.zip rows.bin scored.tsv [input-column]
// rows.bin: int32 row count, int32 values per row, then the rows as float32, little-endian.
// The input column defaults to the first vector-of-Single column of the model's saved input schema; its declared
// dimensions are used when their product matches the file's row size. scored.tsv: a header line of column names, then
// one line per row, fields separated by tabs: Single vectors as space-separated round-trip numbers, keys as
// "value:name" (name from the key's KeyValues, empty for key 0), other scalars as text. The last stderr line is a
// JSON object with rows, loadSeconds, scoreSeconds, rowsPerSecond and peakWorkingSetMB.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;

if (args.Length is < 3 or > 4)
{
    Console.Error.WriteLine("usage: MLNetMarginLoss.StandaloneConsumer model.zip rows.bin scored.tsv [input-column]");
    return 2;
}

var ml = new MLContext(seed: 0);
var clock = Stopwatch.StartNew();
var model = ml.Model.Load(args[0], out var savedSchema);
double loadSeconds = clock.Elapsed.TotalSeconds;

float[][] rows;
using (var reader = new BinaryReader(File.OpenRead(args[1])))
{
    int count = reader.ReadInt32(), size = reader.ReadInt32();
    rows = new float[count][];
    for (int i = 0; i < count; i++)
    {
        rows[i] = new float[size];
        for (int j = 0; j < size; j++) rows[i][j] = reader.ReadSingle();
    }
}
int rowSize = rows.Length > 0 ? rows[0].Length : 0;

string column = args.Length > 3 ? args[3]
    : savedSchema?.FirstOrDefault(c => !c.IsHidden && c.Type is VectorDataViewType { ItemType: NumberDataViewType n } && n == NumberDataViewType.Single).Name
      ?? throw new InvalidOperationException("The model has no saved input schema; name the input column.");
var declared = savedSchema?.GetColumnOrNull(column)?.Type as VectorDataViewType;
var inputType = declared is { Size: var s } && s == rowSize ? declared : new VectorDataViewType(NumberDataViewType.Single, rowSize);
var definition = SchemaDefinition.Create(typeof(InputRow));
definition[0].ColumnName = column;
definition[0].ColumnType = inputType;
var input = ml.Data.LoadFromEnumerable(rows.Select(r => new InputRow { Features = r }), definition);

clock.Restart();
var scored = model.Transform(input);
var columns = scored.Schema.Where(c => !c.IsHidden && c.Name != column).ToArray();
var writers = columns.Select(c => Field(c)).ToArray();
int written = 0;
using (var output = new StreamWriter(args[2], false, new UTF8Encoding(false)))
{
    output.WriteLine(string.Join('\t', columns.Select(c => c.Name)));
    using var cursor = scored.GetRowCursor(columns);
    var fields = writers.Select(w => w(cursor)).ToArray();
    var line = new StringBuilder();
    while (cursor.MoveNext())
    {
        line.Clear();
        for (int i = 0; i < fields.Length; i++)
        {
            if (i > 0) line.Append('\t');
            fields[i](line);
        }
        output.WriteLine(line);
        written++;
    }
}
double scoreSeconds = clock.Elapsed.TotalSeconds;
var process = Process.GetCurrentProcess();
process.Refresh();
Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{{\"rows\":{written},\"loadSeconds\":{loadSeconds:F3},\"scoreSeconds\":{scoreSeconds:F3},\"rowsPerSecond\":{written / Math.Max(scoreSeconds, 1e-9):F1},\"peakWorkingSetMB\":{process.PeakWorkingSet64 / 1048576.0:F1}}}"));
return 0;

// A text writer of one column's value for a cursor: Single vectors, Single scalars, keys (with their KeyValues) and text.
static Func<DataViewRowCursor, Action<StringBuilder>> Field(DataViewSchema.Column column)
{
    switch (column.Type)
    {
        case VectorDataViewType { ItemType: NumberDataViewType n } when n == NumberDataViewType.Single:
            return cursor =>
            {
                var getter = cursor.GetGetter<VBuffer<float>>(column);
                var value = default(VBuffer<float>);
                return sb =>
                {
                    getter(ref value);
                    bool first = true;
                    foreach (var v in value.DenseValues())
                    {
                        if (!first) sb.Append(' ');
                        sb.Append(v.ToString("R", CultureInfo.InvariantCulture));
                        first = false;
                    }
                };
            };
        case NumberDataViewType n when n == NumberDataViewType.Single:
            return cursor =>
            {
                var getter = cursor.GetGetter<float>(column);
                float value = 0;
                return sb => { getter(ref value); sb.Append(value.ToString("R", CultureInfo.InvariantCulture)); };
            };
        case KeyDataViewType key when key.RawType == typeof(uint):
            var names = default(VBuffer<ReadOnlyMemory<char>>);
            if (column.Annotations.Schema.GetColumnOrNull("KeyValues") is { Type: VectorDataViewType { ItemType: TextDataViewType } })
                column.Annotations.GetValue("KeyValues", ref names);
            var text = names.DenseValues().Select(m => m.ToString()).ToArray();
            return cursor =>
            {
                var getter = cursor.GetGetter<uint>(column);
                uint value = 0;
                return sb =>
                {
                    getter(ref value);
                    sb.Append(value.ToString(CultureInfo.InvariantCulture)).Append(':');
                    if (value > 0 && value <= text.Length) sb.Append(text[value - 1]);
                };
            };
        case TextDataViewType:
            return cursor =>
            {
                var getter = cursor.GetGetter<ReadOnlyMemory<char>>(column);
                var value = default(ReadOnlyMemory<char>);
                return sb => { getter(ref value); sb.Append(value.Span); };
            };
        default:
            return _ => sb => sb.Append('?').Append(column.Type);
    }
}

internal sealed class InputRow
{
    public float[] Features { get; set; } = [];
}

using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetMarginLoss.MLNet;

/// <summary>
/// The values of a label key (its KeyValues annotation) with their ML.NET type: value i is the class of key i + 1. A
/// user who maps a float, integer, boolean or text label with MapValueToKey gets those values here, so the
/// PredictedLabel key built from them (<see cref="KeyMapping"/>) carries them too and MapKeyToValue("PredictedLabel")
/// gives the original type back, as after ML.NET's own trainers. <see cref="Names"/> is their text, for messages,
/// reports and Score's slot names. A key without KeyValues (or with values of a type not listed in
/// <see cref="Read"/>) gets text values: the key numbers "1", "2", … or the values' text.
/// </summary>
internal abstract class LabelKeyValues
{
    private protected LabelKeyValues(string[] names) => Names = names;

    /// <summary>The text of every value, in key order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Number of classes.</summary>
    public int Count => Names.Count;

    /// <summary>The ML.NET type of the values (e.g. Single, String).</summary>
    public abstract PrimitiveDataViewType ItemType { get; }

    /// <summary>
    /// Whether some value of the type is not a class, so that an "unknown" row can map to it and then to key 0 (text:
    /// the empty string and floats: NaN, which MapValueToKey never makes a key; integers and booleans: an unused value).
    /// </summary>
    public abstract bool CanRepresentUnknown { get; }

    /// <summary>These values, or their text when <see cref="CanRepresentUnknown"/> is false (booleans with both classes present).</summary>
    public LabelKeyValues WithUnknown() => CanRepresentUnknown ? this : FromNames(Names);

    /// <summary>
    /// The estimators that turn a hash column into the prediction key: MapValue (hash of class i → value i; the
    /// <paramref name="unknownHash"/>, when given, → a value that is no class) into <paramref name="valueColumn"/>, then
    /// MapValueToKey(<paramref name="outputColumn"/>, keyData: these values in key order), so key i + 1 is value i and
    /// the unknown row is key 0.
    /// </summary>
    public abstract IEstimator<ITransformer> KeyMapping(MLContext ml, string outputColumn, string valueColumn, string hashColumn,
        IReadOnlyList<uint> classHashes, uint? unknownHash);

    /// <summary>The type and values as JSON (for the model's metadata; <see cref="FromJson"/> reads it back exactly).</summary>
    public abstract string ToJson();

    /// <summary>Text values.</summary>
    public static LabelKeyValues FromNames(IReadOnlyList<string> names) => new Typed<string>(TextDataViewType.Instance, names.ToArray(), names.ToArray());

    /// <summary>The values of a key column's KeyValues annotation; a key without them gets the text of its key numbers.</summary>
    /// <exception cref="ArgumentException">The column is not a key of known cardinality.</exception>
    public static LabelKeyValues Read(DataViewSchema.Column column)
    {
        if (column.Type is not KeyDataViewType key)
            throw new ArgumentException($"Column '{column.Name}' is {column.Type}, expected a key; add mlContext.Transforms.Conversion.MapValueToKey(\"{column.Name}\").");
        int count = checked((int)key.Count);
        if (count == 0) throw new ArgumentException($"Label column '{column.Name}' is a key of unknown cardinality; map it with MapValueToKey.");
        var kv = column.Annotations.Schema.GetColumnOrNull(KeyValuesKind);
        if (kv is { Type: VectorDataViewType { Size: var n, ItemType: PrimitiveDataViewType item } } && n == count)
        {
            var raw = item.RawType;
            if (raw == typeof(ReadOnlyMemory<char>))
            {
                var text = default(VBuffer<ReadOnlyMemory<char>>);
                column.Annotations.GetValue(KeyValuesKind, ref text);
                var names = text.DenseValues().Select(t => t.ToString()).ToArray();
                return new Typed<string>(TextDataViewType.Instance, names, names);
            }
            if (raw == typeof(float)) return ReadTyped<float>(column, item);
            if (raw == typeof(double)) return ReadTyped<double>(column, item);
            if (raw == typeof(sbyte)) return ReadTyped<sbyte>(column, item);
            if (raw == typeof(byte)) return ReadTyped<byte>(column, item);
            if (raw == typeof(short)) return ReadTyped<short>(column, item);
            if (raw == typeof(ushort)) return ReadTyped<ushort>(column, item);
            if (raw == typeof(int)) return ReadTyped<int>(column, item);
            if (raw == typeof(uint)) return ReadTyped<uint>(column, item);
            if (raw == typeof(long)) return ReadTyped<long>(column, item);
            if (raw == typeof(ulong)) return ReadTyped<ulong>(column, item);
            if (raw == typeof(bool)) return ReadTyped<bool>(column, item);
        }
        return FromNames(Enumerable.Range(1, count).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray());
    }

    /// <summary>Reads what <see cref="ToJson"/> wrote; <paramref name="names"/> are the class names stored beside it.</summary>
    /// <exception cref="FormatException">The JSON is not such a description or does not fit the names.</exception>
    public static LabelKeyValues FromJson(string json, IReadOnlyList<string> names)
    {
        using var doc = JsonDocument.Parse(json);
        string type = doc.RootElement.GetProperty("type").GetString() ?? "";
        var values = doc.RootElement.GetProperty("values");
        LabelKeyValues result = type switch
        {
            "String" => FromNames(values.Deserialize<string[]>()!),
            "Single" => FromValues(NumberDataViewType.Single, values.Deserialize<float[]>(Json)!),
            "Double" => FromValues(NumberDataViewType.Double, values.Deserialize<double[]>(Json)!),
            "SByte" => FromValues(NumberDataViewType.SByte, values.Deserialize<sbyte[]>()!),
            "Byte" => FromValues(NumberDataViewType.Byte, values.Deserialize<int[]>()!.Select(v => checked((byte)v)).ToArray()),
            "Int16" => FromValues(NumberDataViewType.Int16, values.Deserialize<short[]>()!),
            "UInt16" => FromValues(NumberDataViewType.UInt16, values.Deserialize<ushort[]>()!),
            "Int32" => FromValues(NumberDataViewType.Int32, values.Deserialize<int[]>()!),
            "UInt32" => FromValues(NumberDataViewType.UInt32, values.Deserialize<uint[]>()!),
            "Int64" => FromValues(NumberDataViewType.Int64, values.Deserialize<long[]>()!),
            "UInt64" => FromValues(NumberDataViewType.UInt64, values.Deserialize<ulong[]>()!),
            "Boolean" => FromValues(BooleanDataViewType.Instance, values.Deserialize<bool[]>()!),
            _ => throw new FormatException($"label key values of type '{type}' are not supported"),
        };
        if (!result.Names.SequenceEqual(names))
            throw new FormatException($"the label key values ({result.Count}) do not match the {names.Count} class names");
        return result;
    }

    /// <summary>ML.NET's name of the key values annotation.</summary>
    private const string KeyValuesKind = "KeyValues";

    private static readonly JsonSerializerOptions Json = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private static Typed<T> ReadTyped<T>(DataViewSchema.Column column, PrimitiveDataViewType item)
    {
        var values = default(VBuffer<T>);
        column.Annotations.GetValue(KeyValuesKind, ref values);
        return FromValues(item, values.DenseValues().ToArray());
    }

    private static Typed<T> FromValues<T>(PrimitiveDataViewType item, T[] values) =>
        new(item, values, values.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "").ToArray());

    /// <summary>Values of one .NET type (string for text).</summary>
    private sealed class Typed<T> : LabelKeyValues
    {
        private readonly T[] _values;
        private readonly T? _unknown;

        public Typed(PrimitiveDataViewType itemType, T[] values, string[] names) : base(names)
        {
            ItemType = itemType;
            _values = values;
            CanRepresentUnknown = TryUnknown(values, out _unknown);
        }

        public override PrimitiveDataViewType ItemType { get; }

        public override bool CanRepresentUnknown { get; }

        public override IEstimator<ITransformer> KeyMapping(MLContext ml, string outputColumn, string valueColumn, string hashColumn,
            IReadOnlyList<uint> classHashes, uint? unknownHash)
        {
            if (classHashes.Count != _values.Length) throw new ArgumentException($"{classHashes.Count} hashes for {_values.Length} classes.", nameof(classHashes));
            var pairs = new KeyValuePair<uint, T>[_values.Length + (unknownHash is null ? 0 : 1)];
            for (int i = 0; i < _values.Length; i++) pairs[i] = new(classHashes[i], _values[i]);
            if (unknownHash is { } u)
            {
                if (!CanRepresentUnknown) throw new InvalidOperationException("Every value of the label's type is a class; use WithUnknown() for a key with an unknown value.");
                pairs[^1] = new(u, _unknown!);
            }
            var keyData = ml.Data.LoadFromEnumerable(_values.Select(v => new ValueRow { Value = v }), KeyDataSchema());
            return ml.Transforms.Conversion.MapValue(valueColumn, pairs, hashColumn)
                .Append(ml.Transforms.Conversion.MapValueToKey(outputColumn, valueColumn, keyData: keyData));
        }

        public override string ToJson()
        {
            // byte[] would be written as base64; every other array as a JSON array of its values.
            object values = _values is byte[] bytes ? bytes.Select(b => (int)b).ToArray() : _values;
            return JsonSerializer.Serialize(new { type = ItemType.RawType == typeof(ReadOnlyMemory<char>) ? "String" : ItemType.RawType.Name, values }, Json);
        }

        private SchemaDefinition KeyDataSchema()
        {
            var schema = SchemaDefinition.Create(typeof(ValueRow));
            schema[0].ColumnType = ItemType;
            return schema;
        }

        /// <summary>A value of <typeparamref name="T"/> that MapValueToKey maps to key 0 given these values as key data.</summary>
        private static bool TryUnknown(T[] values, out T? unknown)
        {
            unknown = default;
            if (typeof(T) == typeof(string)) { unknown = (T)(object)""; return true; }
            if (typeof(T) == typeof(float)) { unknown = (T)(object)float.NaN; return true; }
            if (typeof(T) == typeof(double)) { unknown = (T)(object)double.NaN; return true; }
            var used = new HashSet<T>(values);
            var candidates = typeof(T) == typeof(bool)
                ? [(T)(object)false, (T)(object)true]
                : Enumerable.Range(0, values.Length + 1).Select(i => (long)i).TakeWhile(Fits).Select(i => (T)Convert.ChangeType(i, typeof(T), CultureInfo.InvariantCulture));
            foreach (var c in candidates)
                if (!used.Contains(c)) { unknown = c; return true; }
            return false;

            static bool Fits(long i) => typeof(T) == typeof(sbyte) ? i <= sbyte.MaxValue : typeof(T) == typeof(byte) ? i <= byte.MaxValue
                : typeof(T) == typeof(short) ? i <= short.MaxValue : typeof(T) == typeof(ushort) ? i <= ushort.MaxValue : true;
        }

        private sealed class ValueRow
        {
            public T Value { get; set; } = default!;
        }
    }
}

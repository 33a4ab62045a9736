using System.Globalization;
using System.Reflection;
using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Data;

/// <summary>
/// Builds <see cref="Dataset"/>s from data already in memory: jagged or rectangular float arrays with integer or
/// string labels, or a sequence of user objects whose members carry <see cref="FeatureColumnAttribute"/> and
/// <see cref="LabelColumnAttribute"/> (the way ML.NET maps user classes to columns).
/// </summary>
public static class DatasetBuilder
{
    /// <summary>A dataset of flat vectors from jagged rows (all the same length) and optional class indices.</summary>
    /// <exception cref="DataFormatException">Rows differ in length, a value is not finite, or a label is negative.</exception>
    public static Dataset FromArrays(float[][] rows, int[]? labels = null, IReadOnlyList<string>? classNames = null, string source = "in-memory rows")
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Length == 0) throw new DataFormatException(source, "no rows; expected at least one.");
        int width = rows[0]?.Length ?? 0;
        if (width == 0) throw new DataFormatException(source, "row 1 is null or empty; expected at least one feature.");
        var features = new float[(long)rows.Length * width];
        for (int r = 0; r < rows.Length; r++)
        {
            if (rows[r] is null || rows[r].Length != width)
                throw new DataFormatException(source, $"row {r + 1}: expected {width} features as in row 1, found {(rows[r] is null ? "null" : rows[r].Length.ToString(CultureInfo.InvariantCulture))}.");
            rows[r].CopyTo(features, (long)r * width);
        }
        return Create(features, TensorShape.Vector(width), labels, classNames, source);
    }

    /// <summary>A dataset of flat vectors from a rectangular array (one row per sample) and optional class indices.</summary>
    /// <exception cref="DataFormatException">The array is empty, a value is not finite, or a label is negative.</exception>
    public static Dataset FromArrays(float[,] matrix, int[]? labels = null, IReadOnlyList<string>? classNames = null, string source = "in-memory matrix")
    {
        ArgumentNullException.ThrowIfNull(matrix);
        int n = matrix.GetLength(0), width = matrix.GetLength(1);
        if (n == 0 || width == 0) throw new DataFormatException(source, $"the matrix is {n}×{width}; expected at least one row and one column.");
        var features = new float[matrix.Length];
        Buffer.BlockCopy(matrix, 0, features, 0, features.Length * sizeof(float));
        return Create(features, TensorShape.Vector(width), labels, classNames, source);
    }

    /// <summary>A dataset of flat vectors from jagged rows and string labels (classes sorted by ordinal name order).</summary>
    public static Dataset FromArrays(float[][] rows, string[] labels, string source = "in-memory rows")
    {
        ArgumentNullException.ThrowIfNull(labels);
        var (indices, names) = MapStringLabels(labels, source);
        return FromArrays(rows, indices, names, source);
    }

    /// <summary>A dataset of flat vectors from a rectangular array and string labels (classes sorted by ordinal name order).</summary>
    public static Dataset FromArrays(float[,] matrix, string[] labels, string source = "in-memory matrix")
    {
        ArgumentNullException.ThrowIfNull(labels);
        var (indices, names) = MapStringLabels(labels, source);
        return FromArrays(matrix, indices, names, source);
    }

    /// <summary>
    /// A dataset from user objects: members with <see cref="FeatureColumnAttribute"/> (float[] or float) are concatenated in
    /// declaration order (or by <see cref="FeatureColumnAttribute.Order"/>) into the features; the member with <see cref="LabelColumnAttribute"/> (int or string), if any,
    /// is the label. A single image-shaped feature member keeps its (C, H, W) shape.
    /// </summary>
    /// <param name="rows">The objects.</param>
    /// <param name="classNames">Names for integer labels (default "0", "1", …); ignored for string labels.</param>
    /// <exception cref="DataFormatException">The type has no feature members, a member has the wrong type or length, or a label is missing.</exception>
    public static Dataset FromRows<T>(IEnumerable<T> rows, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        string source = $"rows of {typeof(T).Name}";
        var (featureMembers, labelMember) = Map(typeof(T), source);
        int width = featureMembers.Sum(m => m.Attribute.Size);
        var shape = featureMembers.Count == 1 ? new TensorShape(featureMembers[0].Attribute.Channels, featureMembers[0].Attribute.Height, featureMembers[0].Attribute.Width) : TensorShape.Vector(width);

        var features = new List<float>();
        var intLabels = new List<int>();
        var stringLabels = new List<string>();
        int r = 0;
        foreach (var row in rows)
        {
            r++;
            if (row is null) throw new DataFormatException(source, $"row {r} is null.");
            foreach (var m in featureMembers)
            {
                object? value = m.GetValue(row);
                if (value is float f)
                {
                    features.Add(f);
                    continue;
                }
                var array = value as float[];
                if (array is null || array.Length != m.Attribute.Size)
                    throw new DataFormatException(source, $"row {r}, member '{m.Name}': expected {m.Attribute.Size} floats, found {(array is null ? "null" : array.Length.ToString(CultureInfo.InvariantCulture))}.");
                features.AddRange(array);
            }
            if (labelMember is not null)
            {
                object? label = labelMember.GetValue(row);
                if (label is int i) intLabels.Add(i);
                else if (label is string s && s.Length > 0) stringLabels.Add(s);
                else throw new DataFormatException(source, $"row {r}, label member '{labelMember.Name}': expected a class name, found {(label is null ? "null" : "an empty string")}.");
            }
        }
        if (r == 0) throw new DataFormatException(source, "no rows; expected at least one.");

        if (labelMember is null) return Create([.. features], shape, null, classNames, source);
        if (labelMember.MemberType == typeof(string))
        {
            var (indices, names) = MapStringLabels([.. stringLabels], source);
            return Create([.. features], shape, indices, names, source);
        }
        return Create([.. features], shape, [.. intLabels], classNames, source);
    }

    private sealed record MappedMember(string Name, Type MemberType, FeatureColumnAttribute Attribute, Func<object, object?> GetValue);

    private static (List<MappedMember> Features, MappedMember? Label) Map(Type type, string source)
    {
        var features = new List<MappedMember>();
        MappedMember? label = null;
        const BindingFlags flags = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance;
        var members = type.GetMembers(flags).Where(m => m is PropertyInfo or FieldInfo && !m.Name.Contains('<'))
            .OrderBy(m => m.GetCustomAttribute<FeatureColumnAttribute>()?.Order ?? 0)
            .ThenBy(m => DeclarationOrder(type, m));
        foreach (var member in members)
        {
            var (memberType, getter) = member switch
            {
                PropertyInfo p => (p.PropertyType, (Func<object, object?>)p.GetValue),
                FieldInfo f => (f.FieldType, (Func<object, object?>)f.GetValue),
                _ => throw new InvalidOperationException(),
            };
            var feature = member.GetCustomAttribute<FeatureColumnAttribute>();
            var isLabel = member.GetCustomAttribute<LabelColumnAttribute>() is not null;
            if (feature is not null && isLabel)
                throw new DataFormatException(source, $"member '{member.Name}' is marked both [FeatureColumn] and [LabelColumn].");
            if (feature is not null)
            {
                if (memberType == typeof(float) && feature.Size != 1)
                    throw new DataFormatException(source, $"member '{member.Name}' is a float, so its [FeatureColumn] size must be 1, found {feature.Size}.");
                if (memberType != typeof(float[]) && memberType != typeof(float))
                    throw new DataFormatException(source, $"[FeatureColumn] member '{member.Name}' must be float[] or float, found {memberType.Name}.");
                features.Add(new MappedMember(member.Name, memberType, feature, getter));
            }
            if (isLabel)
            {
                if (memberType != typeof(int) && memberType != typeof(string))
                    throw new DataFormatException(source, $"[LabelColumn] member '{member.Name}' must be int or string, found {memberType.Name}.");
                if (label is not null)
                    throw new DataFormatException(source, $"members '{label.Name}' and '{member.Name}' are both marked [LabelColumn]; expected one.");
                label = new MappedMember(member.Name, memberType, null!, getter);
            }
        }
        if (features.Count == 0)
            throw new DataFormatException(source, $"type {type.Name} has no member marked [FeatureColumn(size)]; expected at least one float[] or float member.");
        return (features, label);
    }

    /// <summary>
    /// Source order of fields and properties: an auto-property's backing field sits among the fields in declaration
    /// order, so its metadata token orders it with them; other properties come after all fields.
    /// </summary>
    private static long DeclarationOrder(Type type, MemberInfo member)
    {
        if (member is PropertyInfo p)
        {
            var backing = type.GetField($"<{p.Name}>k__BackingField", BindingFlags.Instance | BindingFlags.NonPublic);
            return backing is not null ? backing.MetadataToken : (1L << 32) + p.MetadataToken;
        }
        return member.MetadataToken;
    }

    private static (int[] Indices, string[] Names) MapStringLabels(string[] labels, string source)
    {
        for (int i = 0; i < labels.Length; i++)
            if (string.IsNullOrEmpty(labels[i]))
                throw new DataFormatException(source, $"row {i + 1}: expected a class name, found {(labels[i] is null ? "null" : "an empty string")}.");
        string[] names = [.. labels.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < names.Length; c++) index[names[c]] = c;
        return ([.. labels.Select(l => index[l])], names);
    }

    private static Dataset Create(float[] features, TensorShape shape, int[]? labels, IReadOnlyList<string>? classNames, string source)
    {
        for (int i = 0; i < features.Length; i++)
            if (!float.IsFinite(features[i]))
                throw new DataFormatException(source, $"row {i / shape.Size + 1}, feature {i % shape.Size}: expected a finite number, found {features[i]}.");
        if (labels is not null)
        {
            int rows = features.Length / shape.Size;
            if (labels.Length != rows) throw new DataFormatException(source, $"expected {rows} labels (one per row), found {labels.Length}.");
            for (int i = 0; i < labels.Length; i++)
            {
                if (labels[i] < 0) throw new DataFormatException(source, $"row {i + 1}: expected a class index ≥ 0, found {labels[i]}.");
                if (classNames is not null && labels[i] >= classNames.Count)
                    throw new DataFormatException(source, $"row {i + 1}: label {labels[i]} has no class name (expected 0–{classNames.Count - 1}).");
            }
        }
        return new Dataset(features, shape, labels, classNames, source);
    }
}

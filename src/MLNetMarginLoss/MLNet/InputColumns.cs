using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.MLNet;

/// <summary>
/// Checks of the columns a trainer reads, each failing with one <see cref="ArgumentException"/> that names the
/// column, the type found and the fix; and the output schema shape of a trained transformer.
/// </summary>
internal static class InputColumns
{
    /// <summary>A column as both schema kinds describe it.</summary>
    internal readonly record struct ColumnInfo(bool Found, bool IsVector, bool IsKnownSize, DataViewType? ItemType, bool IsKey);

    /// <summary>The last column named <paramref name="name"/> in a schema shape (later columns hide earlier ones).</summary>
    public static ColumnInfo Find(SchemaShape schema, string name)
    {
        foreach (var c in schema.Reverse())
            if (c.Name == name)
                return new(true, c.Kind != SchemaShape.Column.VectorKind.Scalar, c.Kind == SchemaShape.Column.VectorKind.Vector, c.ItemType, c.IsKey);
        return default;
    }

    /// <summary>The visible column named <paramref name="name"/> in a data schema.</summary>
    public static ColumnInfo Find(DataViewSchema schema, string name)
    {
        if (schema.GetColumnOrNull(name) is not { } c) return default;
        return c.Type switch
        {
            VectorDataViewType v => new(true, true, v.IsKnownSize, v.ItemType, v.ItemType is KeyDataViewType),
            KeyDataViewType k => new(true, false, false, k, true),
            var t => new(true, false, false, t, false),
        };
    }

    /// <summary>Checks the label and feature columns of a data view; <paramref name="source"/> names it in messages.</summary>
    public static void Check(DataViewSchema schema, string labelColumn, string featureColumn, string source)
    {
        var names = schema.Where(c => !c.IsHidden).Select(c => c.Name);
        CheckLabel(Find(schema, labelColumn), labelColumn, names, source);
        CheckFeatures(Find(schema, featureColumn), featureColumn, names, source);
    }

    /// <summary>The label column must be a scalar key.</summary>
    public static void CheckLabel(ColumnInfo col, string name, SchemaShape schema) => CheckLabel(col, name, schema.Select(c => c.Name), "The input");

    /// <summary>The feature column must be a known-size vector of Single.</summary>
    public static void CheckFeatures(ColumnInfo col, string name, SchemaShape schema) => CheckFeatures(col, name, schema.Select(c => c.Name), "The input");

    private static void CheckLabel(ColumnInfo col, string name, IEnumerable<string> columns, string source)
    {
        if (!col.Found)
            throw new ArgumentException($"{source} has no label column '{name}' (columns: {string.Join(", ", columns.Distinct())}); set LabelColumnName.");
        if (!col.IsKey || col.IsVector)
            throw new ArgumentException($"{source}: label column '{name}' is {Describe(col)}, expected a key; add mlContext.Transforms.Conversion.MapValueToKey(\"{name}\") before the trainer.");
    }

    private static void CheckFeatures(ColumnInfo col, string name, IEnumerable<string> columns, string source)
    {
        if (!col.Found)
            throw new ArgumentException($"{source} has no feature column '{name}' (columns: {string.Join(", ", columns.Distinct())}); set FeatureColumnName.");
        if (!col.IsVector || !col.IsKnownSize || col.IsKey || col.ItemType != NumberDataViewType.Single)
            throw new ArgumentException($"{source}: feature column '{name}' is {Describe(col)}, expected a known-size vector of Single; build it with mlContext.Transforms.Concatenate(\"{name}\", …) after mlContext.Transforms.Conversion.ConvertType(…, DataKind.Single).");
    }

    /// <summary>
    /// The schema shape after a trained transformer: the input plus Score and Embedding (vectors of Single) and
    /// PredictedLabel (a key like the label, with its KeyValues). Built with ML.NET's own estimators, since
    /// schema-shape columns cannot be constructed through its public API: Concatenate gives a Single vector and
    /// CopyColumns a copy of the label's key type.
    /// </summary>
    public static SchemaShape OutputShape(SchemaShape input, string features, string label, string score, string prediction, string embedding)
    {
        var ml = new MLContext(0);
        return ml.Transforms.Concatenate(score, features)
            .Append(ml.Transforms.Concatenate(embedding, features))
            .Append(ml.Transforms.CopyColumns(prediction, label))
            .GetOutputSchema(input);
    }

    /// <summary>
    /// The shape of one sample: [C, H, W] from <see cref="ArcFaceTrainer.Options.ImageShape"/> or the column's
    /// dimensions, else a flat vector; image encoders need an image shape.
    /// </summary>
    public static TensorShape SampleShape(DataViewSchema schema, ArcFaceTrainer.Options options)
    {
        var type = (VectorDataViewType)schema[options.FeatureColumnName].Type;
        int size = type.Size;
        TensorShape shape;
        if (options.ImageShape is { } s)
        {
            shape = new TensorShape(s[0], s[1], s[2]);
            if (shape.Size != size)
                throw new ArgumentException($"ImageShape [{string.Join(", ", s)}] holds {shape.Size} values, feature column '{options.FeatureColumnName}' has {size}; fix ImageShape.");
        }
        else if (type.Dimensions.Length == 3)
            shape = new TensorShape(type.Dimensions[0], type.Dimensions[1], type.Dimensions[2]); // the MLP flattens it
        else
            shape = TensorShape.Vector(size);
        if (options.Encoder.Kind != EncoderKind.Mlp && shape.IsVector)
            throw new ArgumentException($"The {options.Encoder.Kind} encoder needs images, but feature column '{options.FeatureColumnName}' is a flat vector of {size} with no [C, H, W] dimensions; set Options.ImageShape (e.g. [1, 28, 28]) or produce the column with ExtractPixels.");
        return shape;
    }

    private static string Describe(ColumnInfo col)
    {
        string item = col.IsKey ? "Key" : col.ItemType?.ToString() ?? "?";
        return !col.IsVector ? $"a {item} scalar" : col.IsKnownSize ? $"a vector of {item}" : $"a variable-size vector of {item}";
    }
}

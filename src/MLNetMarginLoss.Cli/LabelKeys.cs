using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetMarginLoss.Cli;

/// <summary>
/// How the commands turn labels into the key a model needs. Loaders give text labels (or keys, turned back into
/// text); training maps them with the class order of the data (a key's own order, else sorted names), and scoring a
/// saved model maps them with that model's classes, read from its PredictedLabel key values.
/// </summary>
internal static class LabelKeys
{
    public const string Label = "Label";

    /// <summary>The view with its Label column as text (a key becomes its values).</summary>
    public static IDataView AsText(MLContext ml, IDataView view)
    {
        if (view.Schema.GetColumnOrNull(Label) is { Type: KeyDataViewType })
            return ml.Transforms.Conversion.MapKeyToValue(Label).Fit(view).Transform(view);
        return view;
    }

    /// <summary>The classes of a source for training: its key's values in order when Label is a key, else the sorted (ordinal) distinct names.</summary>
    public static string[] TrainingClasses(IDataView source)
    {
        var column = source.Schema.GetColumnOrNull(Label) ?? throw new ArgumentException("the data has no Label column; give labelled data (CSV: --label-column).");
        if (column.Type is KeyDataViewType)
        {
            var names = default(VBuffer<ReadOnlyMemory<char>>);
            column.GetKeyValues(ref names);
            return names.DenseValues().Select(v => v.ToString()).ToArray();
        }
        return source.GetColumn<string>(Label).Distinct().Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>
    /// <paramref name="source"/> with Label mapped to a key whose values are <paramref name="classes"/>, in that order
    /// (a name outside them becomes key 0, which the evaluators report with its row).
    /// </summary>
    public static IDataView Keyed(MLContext ml, IDataView source, IReadOnlyList<string> classes)
    {
        var text = AsText(ml, source);
        var keyData = ml.Data.LoadFromEnumerable(classes.Select(c => new ClassRow { Label = c }));
        return ml.Transforms.Conversion.MapValueToKey(Label, keyData: keyData).Fit(text).Transform(text);
    }

    /// <summary>
    /// Throws unless every label of <paramref name="source"/> is one of <paramref name="classes"/>: the first other
    /// value is named with the data, its 1-based row and column (for an image folder, the image's file) and where the
    /// classes came from, before MapValueToKey would turn it into a missing key (key 0) that the trainer can only report
    /// as such.
    /// </summary>
    /// <param name="ml">The ML.NET context.</param>
    /// <param name="source">The data, its label as text or a key.</param>
    /// <param name="sourceName">The data as the user gave it (a file, a folder, a data set's name).</param>
    /// <param name="labelColumnName">The label column as the user knows it (CSV: its header name).</param>
    /// <param name="classes">The classes it may use.</param>
    /// <param name="classesFrom">Where the classes came from, for the message ("the training data (train.csv)").</param>
    public static void RequireKnown(MLContext ml, IDataView source, string sourceName, string labelColumnName, IReadOnlyList<string> classes, string classesFrom)
    {
        var known = new HashSet<string>(classes, StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
        var text = AsText(ml, source);
        var label = text.Schema[Label];
        var image = text.Schema.GetColumnOrNull(ImageFolder.ImagePathColumnName);
        using var cursor = text.GetRowCursor(image is { } i ? [label, i] : [label]);
        var getLabel = cursor.GetGetter<ReadOnlyMemory<char>>(label);
        var getPath = image is { } column ? cursor.GetGetter<ReadOnlyMemory<char>>(column) : null;
        ReadOnlyMemory<char> value = default, path = default;
        long row = 0;
        while (cursor.MoveNext())
        {
            row++;
            getLabel(ref value);
            if (known.Contains(value.Span)) continue;
            getPath?.Invoke(ref path);
            throw new ArgumentException(getPath is null
                ? $"{sourceName}: row {row}, column '{labelColumnName}': label '{value}' does not occur in {classesFrom}, whose classes are {List(classes)}."
                : $"{path}: its class '{value}' (the folder it is in) does not occur in {classesFrom}, whose classes are {List(classes)}.");
        }
    }

    /// <summary>Up to ten class names, quoted, then how many there are in all.</summary>
    private static string List(IReadOnlyList<string> classes) =>
        string.Join(", ", classes.Take(10).Select(c => $"'{c}'")) + (classes.Count > 10 ? $", … ({classes.Count} in all)" : "");

    /// <summary>The class names a scored view's PredictedLabel key carries.</summary>
    public static string[] ModelClasses(DataViewSchema scoredSchema, string predictedLabelColumn = "PredictedLabel")
    {
        var column = scoredSchema.GetColumnOrNull(predictedLabelColumn)
            ?? throw new ArgumentException($"the model adds no '{predictedLabelColumn}' column; is it a model saved by mlnet-margin train?");
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        column.GetKeyValues(ref names);
        return names.DenseValues().Select(v => v.ToString()).ToArray();
    }

    private sealed class ClassRow
    {
        public string Label { get; set; } = "";
    }
}

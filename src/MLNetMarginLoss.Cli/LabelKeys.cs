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

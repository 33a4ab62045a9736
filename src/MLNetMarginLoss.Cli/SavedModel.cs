using Microsoft.ML;

namespace MLNetMarginLoss.Cli;

/// <summary>Loading a model .zip the way any ML.NET application does, with errors that name the file.</summary>
internal static class SavedModel
{
    public static ITransformer Load(MLContext ml, string path)
    {
        if (!File.Exists(path)) throw new ArgumentException($"{path}: no such model file.");
        try
        {
            return ml.Model.Load(path, out _);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or InvalidOperationException or IOException or ArgumentException or System.Reflection.TargetInvocationException)
        {
            throw new ArgumentException($"{path}: not a model ML.NET can load ({e.GetBaseException().Message.ReplaceLineEndings(" ").Trim()}).");
        }
    }

    /// <summary>The model's classes, in its PredictedLabel key's order.</summary>
    public static string[] Classes(ITransformer model, DataViewSchema input)
    {
        try
        {
            return LabelKeys.ModelClasses(model.GetOutputSchema(input));
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or InvalidOperationException)
        {
            throw new ArgumentException($"the data does not fit the model: {e.Message.ReplaceLineEndings(" ").Trim()}");
        }
    }
}

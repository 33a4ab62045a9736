using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetMarginLoss.Cli;

/// <summary>Loading a model .zip the way any ML.NET application does, with errors that name the file.</summary>
internal static class SavedModel
{
    /// <summary>
    /// Loads <paramref name="path"/> as a chain, to be disposed: ML.NET's OnnxTransformer keeps a temporary copy of its
    /// graph until it is disposed.
    /// </summary>
    public static TransformerChain<ITransformer> Load(MLContext ml, string path)
    {
        if (!File.Exists(path)) throw new ArgumentException($"{path}: no such model file.");
        try
        {
            var model = ml.Model.Load(path, out _);
            return model as TransformerChain<ITransformer> ?? new TransformerChain<ITransformer>(model);
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

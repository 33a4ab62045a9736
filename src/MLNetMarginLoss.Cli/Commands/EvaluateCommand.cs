using System.CommandLine;
using Microsoft.ML;

namespace MLNetMarginLoss.Cli.Commands;

/// <summary>
/// <c>evaluate</c>: loads a model with mlContext.Model.Load and reports ML.NET's multiclass metrics, the per-class
/// report, retrieval metrics and embedding angles, optionally k-NN accuracy against a gallery and verification on pairs.
/// </summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var data = new DataOptions();
        var model = new Option<string>("--model") { Description = "A model .zip saved by train.", Required = true };
        var knn = new Option<int>("--knn") { Description = "k for k-NN accuracy against --reference.", DefaultValueFactory = _ => 5 };
        var reference = new Option<string?>("--reference") { Description = "k-NN gallery data (same kind as --data), e.g. the training data; default: leave-one-out within --data." };
        var pairs = new Option<int>("--pairs") { Description = "Also verify this many balanced same/different pairs (AUC, EER, TAR@FAR, 10-fold accuracy).", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "End with one JSON line of metrics." };
        var command = new Command("evaluate", "Evaluate a saved model on labelled data.") { model, knn, reference, pairs, json };
        data.AddTo(command);
        command.SetAction(result => CliErrors.Run(() =>
        {
            int k = result.GetValue(knn), pairCount = result.GetValue(pairs);
            if (k < 0) throw new ArgumentException($"--knn must be 0 or more, got {k}.");
            if (pairCount < 0 || pairCount % 2 != 0) throw new ArgumentException($"--pairs must be an even number of pairs (0 = none), got {pairCount}.");
            data.Validate(result);
            var ml = new MLContext(seed: 0);
            using var loaded = SavedModel.Load(ml, result.GetValue(model)!);
            var raw = data.Load(ml, result);
            var classes = SavedModel.Classes(loaded, raw.Schema);
            var test = LabelKeys.Keyed(ml, raw, classes);
            var gallery = result.GetValue(reference) is { } r ? LabelKeys.Keyed(ml, data.Load(ml, result, r), classes) : null;
            var values = CliEvaluation.Run(ml, loaded, test, gallery, k, retrieval: true, pairCount, diagnostics: true);
            if (result.GetValue(json)) JsonLine.Write(values);
            return 0;
        }));
        return command;
    }
}

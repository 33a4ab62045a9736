using System.CommandLine;
using Microsoft.ML;
using MLNetMarginLoss.MLNet;

namespace MLNetMarginLoss.Cli.Commands;

/// <summary><c>evaluate</c>: classification metrics and report, optional k-NN, retrieval and verification metrics.</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var data = new DataOptions();
        var model = new Option<string>("--model") { Description = "A model .zip saved by train.", Required = true };
        var knn = new Option<int>("--knn") { Description = "Also report k-NN accuracy with this k and the retrieval metrics.", DefaultValueFactory = _ => 0 };
        var reference = new Option<string?>("--reference") { Description = "k-NN gallery data (same format); default: leave-one-out within --data." };
        var pairs = new Option<int>("--pairs") { Description = "Also verify this many balanced same/different pairs (AUC, EER, TAR@FAR, 10-fold accuracy).", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "End with one JSON line of metrics." };
        var command = new Command("evaluate", "Evaluate a saved model on labelled data.") { model, knn, reference, pairs, json };
        data.AddTo(command);
        command.SetAction(result => CliErrors.Run(() =>
        {
            var m = ArcFaceTransformer.Load(result.GetValue(model)!);
            var test = data.Load(result);
            var gallery = result.GetValue(reference) is { } r ? data.Load(result, r) : null;
            int k = result.GetValue(knn);
            if (k < 0) throw new ArgumentException($"--knn must be 0 or more, got {k}.");
            var ml = new MLContext(0);
            var report = ml.MulticlassClassification.EvaluateMarginModel(m, test.ToDataView(ml, m.FeatureColumnName), gallery?.ToDataView(ml, m.FeatureColumnName),
                knnK: k, retrieval: k > 0, verificationPairs: result.GetValue(pairs), diagnostics: true);
            Console.WriteLine($"{test.Count} rows from {test.Source}");
            Console.WriteLine(report.Report.ToText());
            Console.WriteLine(report.Classification.ToString());
            if (report.KnnAccuracy is { } ka) Console.WriteLine($"k-NN accuracy (k={k}{(gallery is null ? ", leave-one-out" : $", gallery {gallery.Count} rows")}): {ka:F4}");
            if (report.Retrieval is { } rm) Console.WriteLine($"retrieval: precision@1 {rm.PrecisionAt1:F4}, R-precision {rm.RPrecision:F4}, MAP@R {rm.MapAtR:F4}");
            if (report.Verification is { } v)
                Console.WriteLine($"verification ({v.PairCount} pairs): AUC {v.Auc:F4}, EER {v.EqualErrorRate:F4}, 10-fold accuracy {v.CrossValidation.MeanAccuracy:F4} ± {v.CrossValidation.StandardDeviation:F4}");
            if (report.Diagnostics is { } g)
                Console.WriteLine($"embeddings: mean intra-class angle {g.MeanIntraClassAngle:F1}°, min angle between class centres {g.MinInterClassCenterAngle:F1}°");
            if (result.GetValue(json)) JsonLine.Write(report.ToDictionary());
            return 0;
        }));
        return command;
    }
}

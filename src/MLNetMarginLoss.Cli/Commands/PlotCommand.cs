using System.CommandLine;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Evaluation;
using MLNetMarginLoss.Plotting;

namespace MLNetMarginLoss.Cli.Commands;

/// <summary>
/// <c>plot</c>: PNG (with <c>--svg</c>, SVG) pictures of a model on labelled data, scored through mlContext.Model.Load —
/// PCA scatter of the embeddings, the three unit-sphere views for 3-dimensional embeddings, the PCA explained variance,
/// the confusion matrix, the verification ROC curve, and the training curves recorded in the model.
/// </summary>
internal static class PlotCommand
{
    public static Command Create()
    {
        var data = new DataOptions();
        var model = new Option<string>("--model") { Description = "A model .zip saved by train.", Required = true };
        var output = new Option<string>("--out") { Description = "Folder for the image files.", DefaultValueFactory = _ => "plots" };
        var svg = new Option<bool>("--svg") { Description = "Write SVG files instead of PNG." };
        var pairs = new Option<int>("--pairs") { Description = "Verification pairs for the ROC curve (0 = no ROC).", DefaultValueFactory = _ => 6000 };
        var command = new Command("plot", "Draw embeddings, ROC, confusion matrix and training curves as PNG (or SVG) files.") { model, output, pairs, svg };
        data.AddTo(command);
        command.SetAction(result => CliErrors.Run(() =>
        {
            int pairCount = result.GetValue(pairs);
            if (pairCount < 0 || pairCount % 2 != 0) throw new ArgumentException($"--pairs must be an even number of pairs (0 = none), got {pairCount}.");
            data.Validate(result);
            string modelPath = result.GetValue(model)!, dir = result.GetValue(output)!;
            var ml = new MLContext(seed: 0);
            using var loaded = SavedModel.Load(ml, modelPath);
            using var history = ArcFaceTransformer.Load(modelPath);
            var raw = data.Load(ml, result);
            var classes = SavedModel.Classes(loaded, raw.Schema);
            var scored = ml.Data.Cache(loaded.Transform(LabelKeys.Keyed(ml, raw, classes)));
            var embeddings = scored.GetColumn<float[]>("Embedding").ToArray();
            var labels = scored.GetColumn<uint>(LabelKeys.Label).Select(k => (int)k - 1).ToArray();
            if (labels.Any(l => l < 0)) throw new ArgumentException($"the data has a class the model does not know (its classes: {string.Join(", ", classes)}).");
            int dimension = embeddings.Length > 0 ? embeddings[0].Length : 0;
            var flat = embeddings.SelectMany(e => e).ToArray();
            string head = history.Head.ToString(), ext = result.GetValue(svg) ? ".svg" : ".png";
            Directory.CreateDirectory(dir);
            var written = new List<string>
            {
                PcaScatterPlot.Save(Path.Combine(dir, "embeddings-pca" + ext), flat, dimension, labels, classes, $"{head} embeddings (PCA)"),
                ExplainedVariancePlot.Save(Path.Combine(dir, "explained-variance" + ext), Pca.Fit(flat, dimension), title: $"{head} embeddings: PCA explained variance"),
            };
            if (dimension == 3)
                written.Add(SphereProjectionPlot.Save(Path.Combine(dir, "embeddings-sphere" + ext), flat, labels, classes, $"{head}: 3-D embeddings on the unit sphere"));
            var metrics = ml.MulticlassClassification.Evaluate(scored, LabelKeys.Label);
            var counts = metrics.ConfusionMatrix.Counts.Select(row => row.ToArray()).ToArray();
            written.Add(ConfusionMatrixPlot.Save(Path.Combine(dir, "confusion" + ext), new MLNetMarginLoss.Evaluation.ConfusionMatrix(counts, classes), title: $"{head}: confusion matrix (rows: true class)"));
            if (pairCount > 0)
            {
                var verification = ml.MulticlassClassification.EvaluateVerification(scored, LabelKeys.Label, pairs: pairCount);
                written.Add(RocPlot.Save(Path.Combine(dir, "roc" + ext), verification.Roc, head, logFalseAcceptRate: true));
            }
            if (history.History.Epochs.Count > 0)
                written.Add(TrainingCurvePlot.Save(Path.Combine(dir, "training" + ext), history.History));
            foreach (var f in written) Console.WriteLine("wrote " + f);
            return 0;
        }));
        return command;
    }
}

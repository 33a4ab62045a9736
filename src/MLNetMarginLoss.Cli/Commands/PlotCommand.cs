using System.CommandLine;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Evaluation;
using MLNetMarginLoss.Plotting;
using MLNetMarginLoss.Training;

namespace MLNetMarginLoss.Cli.Commands;

/// <summary>
/// <c>plot</c>: PNG (with <c>--svg</c>, SVG) pictures of a model on labelled data — PCA scatter of the embeddings,
/// the three unit-sphere views for 3-dimensional embeddings, the verification ROC curve and the training curves.
/// </summary>
internal static class PlotCommand
{
    public static Command Create()
    {
        var data = new DataOptions();
        var model = new Option<string>("--model") { Description = "A model .zip saved by train.", Required = true };
        var output = new Option<string>("--out") { Description = "Folder for the image files.", DefaultValueFactory = _ => "plots" };
        var svg = new Option<bool>("--svg") { Description = "Write SVG files instead of PNG." };
        var pairs = new Option<int>("--pairs") { Description = "Verification pairs for the ROC curve.", DefaultValueFactory = _ => 6000 };
        var command = new Command("plot", "Draw embeddings, ROC and training curves as PNG (or SVG) files.") { model, output, pairs, svg };
        data.AddTo(command);
        command.SetAction(result => CliErrors.Run(() =>
        {
            var m = ArcFaceTransformer.Load(result.GetValue(model)!);
            var set = data.Load(result);
            var labels = ModelEvaluator.AlignLabels(m, set);
            string dir = result.GetValue(output)!;
            Directory.CreateDirectory(dir);
            var p = m.Network.Transform(set);
            var written = new List<string>();
            string ext = result.GetValue(svg) ? ".svg" : ".png";

            written.Add(PcaScatterPlot.Save(Path.Combine(dir, "embeddings-pca" + ext), p.Embedding, p.EmbeddingSize, labels, m.ClassNames,
                $"{m.Head.ToString()} embeddings (PCA)"));
            if (p.EmbeddingSize == 3)
            {
                written.Add(SphereProjectionPlot.Save(Path.Combine(dir, "embeddings-sphere" + ext), p.Embedding, labels, m.ClassNames,
                    $"{m.Head.ToString()}: 3-D embeddings on the unit sphere"));
            }
            int pairCount = result.GetValue(pairs);
            if (pairCount > 0)
            {
                var generated = PairGenerator.Generate(labels, pairCount, new SeededRandom(0));
                var scores = VerificationEvaluator.ScorePairs(p.Embedding, p.EmbeddingSize, generated);
                var roc = RocCurve.Create(scores, generated.IsSame);
                written.Add(RocPlot.Save(Path.Combine(dir, "roc" + ext), roc, m.Head.ToString(), logFalseAcceptRate: true));
            }
            if (m.History.Epochs.Count > 0)
            {
                written.Add(TrainingCurvePlot.Save(Path.Combine(dir, "training" + ext), m.History));
            }
            foreach (var f in written) Console.WriteLine("wrote " + f);
            return 0;
        }));
        return command;
    }
}

using System.CommandLine;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Evaluation;
using MLNetMarginLoss.Plotting;
using MLNetMarginLoss.Training;

namespace MLNetMarginLoss.Cli.Commands;

/// <summary>
/// <c>plot</c>: SVG pictures of a model on labelled data — PCA scatter of the embeddings, the three unit-sphere
/// views for 3-dimensional embeddings, the verification ROC curve and the training curves.
/// </summary>
internal static class PlotCommand
{
    public static Command Create()
    {
        var data = new DataOptions();
        var model = new Option<string>("--model") { Description = "A model .zip saved by train.", Required = true };
        var output = new Option<string>("--out") { Description = "Folder for the SVG files.", DefaultValueFactory = _ => "plots" };
        var pairs = new Option<int>("--pairs") { Description = "Verification pairs for the ROC curve.", DefaultValueFactory = _ => 6000 };
        var command = new Command("plot", "Draw embeddings, ROC and training curves as SVG files.") { model, output, pairs };
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

            string pca = Path.Combine(dir, "embeddings-pca.svg");
            new ScatterPlot { Title = $"{m.Head} embeddings (PCA)" }.SavePca(pca, p.Embedding, p.EmbeddingSize, labels, m.ClassNames);
            written.Add(pca);
            if (p.EmbeddingSize == 3)
            {
                string sphere = Path.Combine(dir, "embeddings-sphere.svg");
                new ProjectionPlot { Title = $"{m.Head}: 3-D embeddings on the unit sphere" }.Save(sphere, p.Embedding, labels, m.ClassNames);
                written.Add(sphere);
            }
            int pairCount = result.GetValue(pairs);
            if (pairCount > 0)
            {
                var generated = PairGenerator.Generate(labels, pairCount, new SeededRandom(0));
                var scores = VerificationEvaluator.ScorePairs(p.Embedding, p.EmbeddingSize, generated);
                var roc = RocCurve.Create(scores, generated.IsSame);
                string rocPath = Path.Combine(dir, "roc.svg");
                SvgWriter.Save(new RocPlot { Title = "Verification ROC", LogFalseAcceptRate = true }.Render((m.Head.ToString(), roc)), rocPath);
                written.Add(rocPath);
            }
            if (m.History.Epochs.Count > 0)
            {
                var h = m.History.Epochs;
                string curves = Path.Combine(dir, "training.svg");
                bool hasValidation = h.All(e => e.ValidationLoss is not null);
                new TrainingCurvePlot().Save(curves, h.Select(e => e.TrainLoss).ToList(),
                    hasValidation ? h.Select(e => e.ValidationLoss!.Value).ToList() : null,
                    h.Select(e => e.TrainAccuracy).ToList(),
                    hasValidation ? h.Select(e => e.ValidationAccuracy!.Value).ToList() : null);
                written.Add(curves);
            }
            foreach (var f in written) Console.WriteLine("wrote " + Path.GetFullPath(f));
            return 0;
        }));
        return command;
    }
}

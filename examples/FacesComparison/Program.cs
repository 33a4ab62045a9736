// Catalyst's "Faces" comparison (seed article 004), in .NET: every head of the family trained on the same data
// with the same encoder, then a table of the head's own classification accuracy and k-NN accuracy on the
// embeddings, the embeddings' angles, the PCA explained variance of the first components, and one PCA scatter
// plot per head.
//   dotnet run -c Release --project examples/FacesComparison -- [trainRows=10000] [epochs=3] [outDir=faces-out]
using MLNetMarginLoss;
using MLNetMarginLoss.Encoders;
using MLNetMarginLoss.Evaluation;
using MLNetMarginLoss.Heads;
using MLNetMarginLoss.Plotting;
using MLNetMarginLoss.Training;

int rows = args.Length > 0 ? int.Parse(args[0]) : 10000;
int epochs = args.Length > 1 ? int.Parse(args[1]) : 3;
string outDir = args.Length > 2 ? args[2] : "faces-out";
Directory.CreateDirectory(outDir);

var ctx = new MarginContext(seed: 3);
var train = ctx.Data.LoadFashionMnist(limit: rows);
var test = ctx.Data.LoadFashionMnist(test: true, limit: 5000);

Console.WriteLine($"{"head",-12} {"accuracy",9} {"k-NN",7} {"MAP@R",7} {"intra°",7} {"centre°",8}  explained variance (PC1..PC3)");
foreach (var head in Enum.GetValues<HeadKind>())
{
    var options = new ArcFaceTrainerOptions
    {
        Head = head,
        HeadOptions = new HeadOptions(), // each head's documented defaults
        Encoder = new EncoderSpec { Kind = EncoderKind.Mlp, EmbeddingSize = 64 },
        Epochs = epochs,
        Seed = 3,
    };
    var model = new ArcFaceTrainer(options).Fit(train);
    var r = ModelEvaluator.Evaluate(model, test, knnK: 5, reference: train, retrieval: true, diagnostics: true);
    var ev = r.Diagnostics!.ExplainedVarianceRatio;
    string name = HeadFactory.Name(head);
    Console.WriteLine($"{name,-12} {r.Classification.MicroAccuracy,9:F4} {r.KnnAccuracy,7:F4} {r.Retrieval!.MapAtR,7:F4} {r.Diagnostics.MeanIntraClassAngle,7:F1} {r.Diagnostics.MinInterClassCenterAngle,8:F1}  {ev[0]:F3} {ev[1]:F3} {ev[2]:F3}");
    var p = model.Transform(test);
    PcaScatterPlot.Save(Path.Combine(outDir, $"{name}-pca.png"), p.Embedding, p.EmbeddingSize, test.Labels, model.ClassNames, $"{name}: PCA of test embeddings");
}
Console.WriteLine($"PCA plots written to {Path.GetFullPath(outDir)}");

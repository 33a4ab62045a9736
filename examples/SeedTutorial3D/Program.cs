// The PyTorch ArcFace walkthrough (seed article 003; article 001 shows the same pictures), in .NET:
// the tutorial's CNN with a 3-dimensional embedding, trained once with a plain softmax head and once with
// ArcFace on Fashion-MNIST, then the test embeddings drawn on the unit sphere (three projection views each).
// ArcFace should pull each class into a tight patch of the sphere; softmax leaves long, overlapping rays.
//   dotnet run -c Release --project examples/SeedTutorial3D -- [trainRows=12000] [epochs=4] [outDir=seed3d-out]
using MLNetMarginLoss;
using MLNetMarginLoss.Encoders;
using MLNetMarginLoss.Evaluation;
using MLNetMarginLoss.Heads;
using MLNetMarginLoss.Plotting;
using MLNetMarginLoss.Training;

int rows = args.Length > 0 ? int.Parse(args[0]) : 12000;
int epochs = args.Length > 1 ? int.Parse(args[1]) : 4;
string outDir = args.Length > 2 ? args[2] : "seed3d-out";
Directory.CreateDirectory(outDir);

var ctx = new MarginContext(seed: 1);
var train = ctx.Data.LoadFashionMnist(limit: rows);
var test = ctx.Data.LoadFashionMnist(test: true, limit: 3000);

ArcFaceTrainerOptions Options() => new()
{
    Encoder = new EncoderSpec { Kind = EncoderKind.Cnn, EmbeddingSize = 3 },
    Epochs = epochs,
    BatchSize = 128,
    LearningRate = 1e-3f,
    Seed = 1,
};

Console.WriteLine($"{"head",-10} {"accuracy",9} {"k-NN",7} {"intra-class°",13} {"min centre°",12}");
foreach (var (name, trainer) in new[]
{
    ("softmax", ctx.Trainers.Softmax(Options())),
    ("arcface", ctx.Trainers.ArcFace(scale: 16, margin: 0.4, options: Options())),
})
{
    var model = trainer.Fit(train, test);
    var report = ModelEvaluator.Evaluate(model, test, knnK: 5, reference: train, diagnostics: true);
    var p = model.Transform(test);
    SphereProjectionPlot.Save(Path.Combine(outDir, $"{name}-sphere.png"), p.Embedding, test.Labels, model.ClassNames, $"{name}: 3-D test embeddings");
    Console.WriteLine($"{name,-10} {report.Classification.MicroAccuracy,9:F4} {report.KnnAccuracy,7:F4} {report.Diagnostics!.MeanIntraClassAngle,13:F1} {report.Diagnostics.MinInterClassCenterAngle,12:F1}");
}
Console.WriteLine($"projection views written to {Path.GetFullPath(outDir)}");

// Reproduces seed article 004, Catalyst's "Representation Learning with Catalyst and Faces": every head of the
// family trained on the same data with the same encoder, then the head's own ("DNN") accuracy against k-NN accuracy
// on the embeddings, the embeddings' PCA explained variance, and one 2-D PCA scatter plot per head. Catalyst used
// imagewoof (10 dog breeds) and an image network; here Fashion-MNIST (10 classes) and the library's default MLP
// (784-512-256-128), each head with its documented defaults (for 10 classes the default scale is s = 4). Catalyst's
// "Classification" is our softmax head and its "ArcMarginProduct" (normalised weights and features, no margin) is
// our normsoftmax head.
//
//   dotnet run -c Release --project examples/FacesComparison -- [--train-rows 60000] [--test-rows 10000]
//       [--epochs 5] [--seed 3] [--plot-rows 1500] [--out artifacts/FacesComparison]
//
// Prints one results table, one row per head: the head's test accuracy, k-NN accuracy (k = 5, the training
// embeddings as gallery), their difference, MAP@R (leave-one-out retrieval on the test embeddings), the mean angle to
// the class centre, the smallest angle between class centres, and the PCA components needed for 90 % of the variance.
// Writes <head>-pca.png (2-D PCA of the first --plot-rows test embeddings) and <head>-variance.png (explained variance
// of all test embeddings, the first 32 components) per head.
using System.Diagnostics;
using Examples;
using Microsoft.ML;
using MLNetMarginLoss;
using MLNetMarginLoss.Plotting;

var arguments = ExampleArgs.Parse(args, "FacesComparison: Catalyst's comparison of the \"Faces\" heads, head accuracy vs k-NN accuracy, PCA.",
    new("train-rows", "60000", "training rows (all of them)"),
    new("test-rows", "10000", "test rows (all of them)"),
    new("epochs", "5", "epochs per head"),
    new("seed", "3", "random seed of the trainers (the same for every head)"),
    new("plot-rows", "1500", "test rows drawn on the PCA scatter plots"),
    new("out", "artifacts/FacesComparison", "output folder"));
var clock = Stopwatch.StartNew();
string outDir = arguments.OutputFolder();
var ml = new MLContext(seed: 3);
var train = FashionMnist.Load(ml, test: false, limit: arguments.Int("train-rows"));
var test = FashionMnist.Load(ml, test: true, limit: arguments.Int("test-rows"));
Console.WriteLine($"Fashion-MNIST: {train.RowCount} training rows, {test.RowCount} test rows; MLP 784-512-256-128, Adam 1e-3, {arguments.Int("epochs")} epochs per head");

// One trainer per head from the catalog, all with the same options; the head's own settings stay at their defaults.
var options = new ArcFaceTrainer.Options { MaxEpoch = arguments.Int("epochs"), Seed = arguments.Int("seed") };
var trainers = ml.MulticlassClassification.Trainers;
var heads = new (string Name, ArcFaceTrainer Trainer)[]
{
    ("softmax", trainers.Softmax(options)),
    ("normsoftmax", trainers.NormSoftmax(options)),
    ("sphereface", trainers.SphereFace(options)),
    ("cosface", trainers.CosFace(options)),
    ("arcface", trainers.ArcFace(options)),
    ("combined", trainers.CombinedMargin(options)),
    ("adacos", trainers.AdaCos(options)),
    ("subcenter", trainers.SubCenterArcFace(options)),
    ("curricular", trainers.CurricularFace(options)),
    ("magface", trainers.MagFace(options)),
    ("adaface", trainers.AdaFace(options)),
    ("elasticface", trainers.ElasticFace(options)),
};

var table = new ResultsTable("head", "head accuracy", "k-NN accuracy", "k-NN − head", "MAP@R", "intra-class angle", "min centre angle", "PCs for 90 %");
foreach (var (name, trainer) in heads)
{
    var watch = Stopwatch.StartNew();
    var model = trainer.Fit(train);
    var r = ml.MulticlassClassification.EvaluateMarginModel(model, test, gallery: train, knnK: 5, retrieval: true, diagnostics: true);
    var d = r.Diagnostics!;
    int components = d.Pca.CumulativeExplainedVarianceRatio.TakeWhile(c => c < 0.9).Count() + 1;
    double head = r.Classification.MicroAccuracy, knn = r.KnnAccuracy!.Value;
    table.Add(name, ResultsTable.F(head), ResultsTable.F(knn), (knn - head >= 0 ? "+" : "−") + ResultsTable.F(Math.Abs(knn - head)),
        ResultsTable.F(r.Retrieval!.MapAtR), $"{d.MeanIntraClassAngle:F1}°", $"{d.MinInterClassCenterAngle:F1}°", components.ToString());
    Console.Error.WriteLine($"{name}: {watch.Elapsed.TotalSeconds:F0} s, head {head:F4}, k-NN {knn:F4}");

    var (embeddings, dimension, labels) = Columns.EmbeddingsAndLabels(model.Transform(ml.Data.TakeRows(test, arguments.Int("plot-rows"))));
    PcaScatterPlot.Save(Path.Combine(outDir, $"{name}-pca.png"), embeddings, dimension, labels, model.ClassNames, $"{name}: PCA of {labels.Length} test embeddings");
    ExplainedVariancePlot.Save(Path.Combine(outDir, $"{name}-variance.png"), d.Pca, maxComponents: 32, title: $"{name}: explained variance of the test embeddings");
}
table.Print();
Console.WriteLine($"\nplots written to {outDir}; wall time {clock.Elapsed.TotalMinutes:F1} min");

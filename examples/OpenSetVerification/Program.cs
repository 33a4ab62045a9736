// Open-set verification, the use the margin losses were made for (face verification with identities never seen in
// training; seed articles 002 and 004): train on 7 Fashion-MNIST classes, then work only with the 3 classes the model
// never saw — verification of pairs ("same class or not?", the LFW protocol), few-shot recognition from a 5-image
// gallery per new class, and open-set rejection ("unknown") of the new classes by a k-NN classifier whose gallery
// holds only the known ones. A softmax model trained on the same data is the baseline.
//
//   dotnet run -c Release --project examples/OpenSetVerification -- [--train-rows 60000] [--epochs 10]
//       [--unseen 7,8,9] [--scale 16] [--margin 0.4] [--pairs 6000] [--shots 5] [--seed 5] [--out artifacts/OpenSetVerification]
//
// Prints one results table, a row per model: verification AUC, EER, TAR at FAR 1e-2 and 1e-3, the LFW 10-fold
// accuracy (all on pairs of unseen-class test images), few-shot k-NN accuracy on the unseen classes, and open-set
// rejection: the share of unseen-class test images a known-class gallery calls "unknown" when its similarity threshold
// accepts 95 % of known-class test images. Writes roc.png (both models' ROC curves, logarithmic FAR axis).
using System.Diagnostics;
using Examples;
using Microsoft.ML;
using MLNetMarginLoss;
using MLNetMarginLoss.Evaluation;
using MLNetMarginLoss.Plotting;

var arguments = ExampleArgs.Parse(args, "OpenSetVerification: verification, few-shot and open-set recognition of classes never seen in training.",
    new("train-rows", "60000", "training rows read (the unseen classes' rows are dropped)"),
    new("epochs", "10", "epochs"),
    new("unseen", "7,8,9", "class indices kept out of training (default: Sneaker, Bag, Ankle boot)"),
    new("scale", "16", "ArcFace scale s"),
    new("margin", "0.4", "ArcFace margin m in radians"),
    new("pairs", "6000", "verification pairs (half same-class, half different)"),
    new("shots", "5", "gallery images per unseen class for few-shot recognition"),
    new("seed", "5", "random seed of the trainers, the pair draw and the gallery"),
    new("out", "artifacts/OpenSetVerification", "output folder"));
var clock = Stopwatch.StartNew();
string outDir = arguments.OutputFolder();
int seed = arguments.Int("seed");
var ml = new MLContext(seed: seed);
int[] unseen = [.. arguments.String("unseen").Split(',').Select(int.Parse)];
var allTrain = FashionMnist.Load(ml, test: false, limit: arguments.Int("train-rows"));
var allTest = FashionMnist.Load(ml, test: true);
int[] seen = [.. Enumerable.Range(0, allTrain.ClassNames.Count).Except(unseen)];

// The rows of some classes, relabelled 0..k−1 with their names (an InMemoryDataView with a key Label).
InMemoryDataView Subset(InMemoryDataView data, int[] classes, Func<int, bool>? keepRow = null)
{
    var rows = Enumerable.Range(0, data.RowCount).Where(i => classes.Contains(data.Labels![i]) && (keepRow?.Invoke(i) ?? true)).ToArray();
    var features = new float[rows.Length * data.RowSize];
    for (int r = 0; r < rows.Length; r++) data.Row(rows[r]).CopyTo(features.AsSpan(r * data.RowSize, data.RowSize));
    return new InMemoryDataView(features, data.Dimensions, [.. rows.Select(i => Array.IndexOf(classes, data.Labels![i]))], [.. classes.Select(c => data.ClassNames[c])]);
}
var train = Subset(allTrain, seen);
var seenTest = Subset(allTest, seen);
var unseenTest = Subset(allTest, unseen);
Console.WriteLine($"trained on {seen.Length} classes ({train.RowCount} rows); unseen: {string.Join(", ", unseenTest.ClassNames)} ({unseenTest.RowCount} test images)");

ArcFaceTrainer.Options Options(HeadOptions head) => new() { MaxEpoch = arguments.Int("epochs"), Seed = seed, HeadOptions = head };
var options = Options(new HeadOptions { Scale = arguments.Double("scale"), Margin = arguments.Double("margin") });
var models = new (string Name, ArcFaceTrainer Trainer)[]
{
    ("softmax", ml.MulticlassClassification.Trainers.Softmax(Options(new HeadOptions()))), // a linear layer: no scale, no margin
    ($"arcface (s = {arguments.Double("scale"):G3}, m = {arguments.Double("margin"):G3})", ml.MulticlassClassification.Trainers.ArcFace(options)),
};

var table = new ResultsTable("model", "known-class accuracy", "AUC", "EER", "TAR@FAR=1e-2", "TAR@FAR=1e-3", "10-fold accuracy", $"{arguments.Int("shots")}-shot accuracy", "unknown rejected");
var curves = new List<(string, RocCurve)>();
var random = new Random(seed);
foreach (var (name, trainer) in models)
{
    var model = trainer.Fit(train);
    double knownAccuracy = ml.MulticlassClassification.Evaluate(model.Transform(seenTest)).MicroAccuracy;

    // Embeddings of the unseen classes through the embedding extractor (the encoder alone, L2-normalised).
    var extractor = ml.Transforms.ExtractEmbeddings(model).Fit(unseenTest);
    var unseenEmbedded = extractor.Transform(unseenTest);

    // 1. Verification on balanced pairs of unseen-class images.
    var v = ml.MulticlassClassification.EvaluateVerification(unseenEmbedded, pairs: arguments.Int("pairs"), seed: seed);
    curves.Add((name, v.Roc));

    // 2. Few-shot: a gallery of a few images per unseen class, the other unseen images classified by k-NN.
    var (embeddings, dimension, labels) = Columns.EmbeddingsAndLabels(unseenEmbedded);
    var galleryRows = Enumerable.Range(0, unseen.Length)
        .SelectMany(c => Enumerable.Range(0, labels.Length).Where(i => labels[i] == c).OrderBy(_ => random.Next()).Take(arguments.Int("shots"))).ToHashSet();
    InMemoryDataView Rows(IEnumerable<int> rows) => new(
        [.. rows.SelectMany(i => embeddings.AsSpan(i * dimension, dimension).ToArray())], [dimension],
        [.. rows.Select(i => labels[i])], unseenTest.ClassNames, featureColumnName: "Embedding");
    var gallery = Rows(galleryRows.Order());
    var queries = Rows(Enumerable.Range(0, labels.Length).Where(i => !galleryRows.Contains(i)));
    var fewShot = ml.MulticlassClassification.Trainers.KnnClassifier(k: 1).Fit(gallery);
    double fewShotAccuracy = ml.MulticlassClassification.EvaluateKnn(fewShot, queries).Accuracy;

    // 3. Open set: a gallery of the known classes' training embeddings; the similarity threshold accepts 95 % of one
    // half of the known-class test images, then the other half and the unseen images are classified.
    var known = extractor.Transform(train);
    var knownTest = extractor.Transform(seenTest);
    var closed = ml.MulticlassClassification.Trainers.KnnClassifier(k: 5).Fit(known);
    var similarities = closed.Classify(ml.Data.TakeRows(knownTest, seenTest.RowCount / 2)).Similarity.Order().ToArray();
    float threshold = similarities[(int)(0.05 * similarities.Length)];
    var open = ml.MulticlassClassification.Trainers.KnnClassifier(k: 5, similarityThreshold: threshold).Fit(known);
    var heldOut = open.Classify(ml.Data.SkipRows(knownTest, seenTest.RowCount / 2));
    var newClasses = open.Classify(unseenEmbedded);
    double acceptedKnown = 1 - Enumerable.Range(0, heldOut.Count).Count(heldOut.IsUnknown) / (double)heldOut.Count;
    double rejected = Enumerable.Range(0, newClasses.Count).Count(newClasses.IsUnknown) / (double)newClasses.Count;
    Console.Error.WriteLine($"{name}: threshold {threshold:F3} accepts {acceptedKnown:P1} of the held-out known-class images");

    table.Add(name, ResultsTable.F(knownAccuracy), ResultsTable.F(v.Auc), ResultsTable.F(v.EqualErrorRate), ResultsTable.F(v.TrueAcceptRates[1e-2]),
        ResultsTable.F(v.TrueAcceptRates[1e-3]), $"{v.CrossValidation.MeanAccuracy:F4} ± {v.CrossValidation.StandardDeviation:F4}",
        ResultsTable.F(fewShotAccuracy), ResultsTable.F(rejected));
}
RocPlot.Save(Path.Combine(outDir, "roc.png"), curves, logFalseAcceptRate: true, title: $"Verification of unseen classes ({string.Join(", ", unseenTest.ClassNames)})");
Console.WriteLine($"Pairs of unseen-class test images: {arguments.Int("pairs")}; few-shot: {arguments.Int("shots")} gallery images per unseen class, 1-NN; " +
    "open set: known-class training gallery, 5-NN, threshold accepting 95 % of known-class test images.");
table.Print();
Console.WriteLine($"\nplots written to {outDir}; wall time {clock.Elapsed.TotalMinutes:F1} min");

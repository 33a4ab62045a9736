// Open-set verification: train on 7 Fashion-MNIST classes, then verify pairs drawn only from the 3 classes the
// model never saw ("same class or not?"), as face verification does with unseen identities. Reports ROC AUC, EER,
// TAR@FAR, the LFW protocol's 10-fold accuracy, and a k-NN gallery of the unseen classes (few-shot recognition).
//   dotnet run -c Release --project examples/OpenSetVerification -- [trainRows=20000] [epochs=4] [outDir=openset-out]
using MLNetMarginLoss;
using MLNetMarginLoss.Data;
using MLNetMarginLoss.Embeddings;
using MLNetMarginLoss.Encoders;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Evaluation;
using MLNetMarginLoss.Plotting;
using MLNetMarginLoss.Training;

int rows = args.Length > 0 ? int.Parse(args[0]) : 20000;
int epochs = args.Length > 1 ? int.Parse(args[1]) : 4;
string outDir = args.Length > 2 ? args[2] : "openset-out";
Directory.CreateDirectory(outDir);
int[] unseen = [7, 8, 9]; // the last three classes: Sneaker, Bag, Ankle boot

var ctx = new MarginContext(seed: 5);
var all = ctx.Data.LoadFashionMnist(limit: rows);
var test = ctx.Data.LoadFashionMnist(test: true);

// Training set: the 7 seen classes, relabelled 0..6.
var seenClasses = Enumerable.Range(0, 10).Except(unseen).ToArray();
Dataset Seen(Dataset d)
{
    var rowsSeen = Enumerable.Range(0, d.Count).Where(i => !unseen.Contains(d.Labels![i])).ToArray();
    var subset = d.Select(rowsSeen);
    var map = seenClasses.Select((c, i) => (c, i)).ToDictionary(t => t.c, t => t.i);
    return subset.WithLabels(subset.Labels!.Select(l => map[l]).ToArray(), seenClasses.Select(c => d.ClassNames[c]).ToArray());
}
var model = ctx.Trainers.ArcFace(scale: 16, margin: 0.4, options: new ArcFaceTrainerOptions
{
    Encoder = new EncoderSpec { Kind = EncoderKind.Mlp, EmbeddingSize = 64 },
    Epochs = epochs,
    Seed = 5,
}).Fit(Seen(all));

// Unseen classes only, from the test split.
var unseenRows = Enumerable.Range(0, test.Count).Where(i => unseen.Contains(test.Labels![i])).ToArray();
var unseenTest = test.Select(unseenRows);
var embeddings = ctx.Embeddings.CreateExtractor(model).Transform(unseenTest);
var pairs = PairGenerator.Generate(embeddings.Labels, 6000, new SeededRandom(5));
var v = VerificationEvaluator.Evaluate(embeddings.Vectors, embeddings.Dimension, pairs);
Console.WriteLine($"unseen classes: {string.Join(", ", unseen.Select(c => test.ClassNames[c]))} ({unseenTest.Count} test images, {pairs.Count} pairs)");
Console.WriteLine($"AUC {v.Auc:F4}   EER {v.EqualErrorRate:F4}   10-fold accuracy {v.CrossValidation.MeanAccuracy:F4} ± {v.CrossValidation.StandardDeviation:F4}");
foreach (var (far, tar) in v.TrueAcceptRates)
    Console.WriteLine($"TAR@FAR={far:G1}: {(double.IsNaN(tar) ? "not measurable with this many pairs" : tar.ToString("F4"))}");
RocPlot.Save(Path.Combine(outDir, "roc.png"), v.Roc, "arcface", logFalseAcceptRate: true, title: "Verification of unseen classes");

// Few-shot recognition: a gallery of 5 examples per unseen class, classify the rest by k-NN.
var firstFive = unseen.SelectMany(c => Enumerable.Range(0, unseenTest.Count).Where(i => unseenTest.Labels![i] == c).Take(5)).ToHashSet();
var gallery = new EmbeddingSet(firstFive.SelectMany(i => embeddings.Row(i).ToArray()).ToArray(), embeddings.Dimension, firstFive.Select(i => embeddings.Labels![i]).ToArray(), test.ClassNames);
var queries = Enumerable.Range(0, unseenTest.Count).Where(i => !firstFive.Contains(i)).ToArray();
var knn = ctx.Embeddings.Knn(k: 3).Fit(gallery);
var predicted = knn.Transform(new EmbeddingSet(queries.SelectMany(i => embeddings.Row(i).ToArray()).ToArray(), embeddings.Dimension));
double fewShot = predicted.Accuracy(queries.Select(i => embeddings.Labels![i]).ToArray());
Console.WriteLine($"5-shot k-NN accuracy on the 3 unseen classes: {fewShot:F4} (chance 0.333)");

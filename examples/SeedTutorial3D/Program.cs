// Reproduces seed article 003, the PyTorch ArcFace walkthrough (article 001 draws the same pictures): the
// tutorial's CNN with a 3-dimensional embedding, trained once with a plain softmax head (nn.Linear(3, 10) +
// cross-entropy) and once with its ArcFace loss, then the L2-normalised test embeddings drawn on the unit sphere.
//
// The tutorial's recipe, followed as written:
//   * the CNN: conv 32 → conv 64 → max-pool → dropout 0.25 → linear 128 → dropout 0.5 → linear 3;
//   * ArcFace as its arcface_loss: cross-entropy of cos(θ_y + 0.4) and cos θ_j with NO scale (s = 1), m = 0.4;
//   * Adadelta, lr 1.0, StepLR(step 1, γ 0.7), 10 epochs, batches of 256, inputs standardised by the training
//     set's mean and standard deviation (the tutorial's Normalize((0.1307,), (0.3081,)) are MNIST's values);
//   * the test set scored after every epoch.
// The data is Fashion-MNIST (the MNIST files are not installed here; --mnist DIR runs on MNIST's IDX files).
// Differences we cannot avoid: our trainer shuffles each epoch (the tutorial's DataLoader does not), and our ArcFace
// keeps cos(θ + m) decreasing past θ = π − m (insightface's fallback; the tutorial's cos(θ + m) turns back up there).
//
// A control the tutorial does not have: the same ArcFace recipe with a logit scale (s = 8 by default), which shows what
// the missing scale costs.
//
//   dotnet run -c Release --project examples/SeedTutorial3D -- [--train-rows 60000] [--test-rows 10000]
//       [--epochs 10] [--scales 1,8] [--margin 0.4] [--plot-rows 1500] [--seed 1] [--mnist DIR] [--out artifacts/SeedTutorial3D]
//
// Prints the test accuracy after every epoch for every model (as the tutorial's test() does), then one results
// table: the head's test accuracy, k-NN accuracy (k = 5, the training embeddings as gallery), the mean confidence
// of the predictions, the log-loss, the mean angle of a test embedding to its class centre, the smallest angle
// between two class centres and which two classes those are. Writes to the output folder, per model (softmax,
// arcface-s1, arcface-s8): <model>-sphere.png (three views of the unit sphere) and <model>-training.png (curves).
using System.Diagnostics;
using System.Globalization;
using Examples;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss;
using MLNetMarginLoss.Plotting;

var arguments = ExampleArgs.Parse(args, "SeedTutorial3D: the PyTorch ArcFace walkthrough (3-D embeddings, softmax vs ArcFace).",
    new("train-rows", "60000", "training rows (the tutorial uses all 60,000)"),
    new("test-rows", "10000", "test rows"),
    new("epochs", "10", "epochs (the tutorial's 10)"),
    new("scales", "1,8", "ArcFace logit scales s, one model each (the tutorial's loss has none: s = 1; 8 is the control)"),
    new("margin", "0.4", "ArcFace angular margin m in radians (the tutorial's 0.4)"),
    new("plot-rows", "1500", "test rows drawn on the sphere plots"),
    new("seed", "1", "random seed of the trainers"),
    new("mnist", "", "a folder with MNIST's IDX files (train-images-idx3-ubyte[.gz], …) to use instead of Fashion-MNIST"),
    new("out", "artifacts/SeedTutorial3D", "output folder"));
var clock = Stopwatch.StartNew();
string outDir = arguments.OutputFolder();
var ml = new MLContext(seed: 1);

// Data: the IDX loader gives Features [1, 28, 28] in [0, 1] and a key Label with the class names; the seed CNN
// expects standardised pixels, so we apply one global (x − mean) / std as its transforms.Normalize does.
string mnist = arguments.String("mnist");
InMemoryDataView Load(bool test, int rows) => mnist.Length == 0
    ? FashionMnist.Load(ml, test, rows)
    : IdxData.Load(ml, Path.Combine(mnist, Find(mnist, test ? "t10k-images-idx3-ubyte" : "train-images-idx3-ubyte")),
        Path.Combine(mnist, Find(mnist, test ? "t10k-labels-idx1-ubyte" : "train-labels-idx1-ubyte")), rows);
var rawTrain = Load(test: false, arguments.Int("train-rows"));
var rawTest = Load(test: true, arguments.Int("test-rows"));
var pixels = rawTrain.Features.Span;
double mean = 0, sq = 0;
foreach (float p in pixels) { mean += p; sq += (double)p * p; }
mean /= pixels.Length;
double std = Math.Sqrt(sq / pixels.Length - mean * mean);
InMemoryDataView Standardise(InMemoryDataView v)
{
    var f = v.Features.ToArray();
    for (int i = 0; i < f.Length; i++) f[i] = (float)((f[i] - mean) / std);
    return new InMemoryDataView(f, v.Dimensions, [.. v.Labels!], v.ClassNames);
}
var train = Standardise(rawTrain);
var test = Standardise(rawTest);
Console.WriteLine($"{(mnist.Length == 0 ? "Fashion-MNIST" : "MNIST")}: {train.RowCount} training rows, {test.RowCount} test rows; pixels standardised with mean {mean:F4}, std {std:F4}");

// The recipe. Labels are already keys with the class names, so no MapValueToKey is needed.
ArcFaceTrainer.Options Recipe(HeadOptions head) => new()
{
    Encoder = new EncoderSpec { Kind = EncoderKind.Cnn, EmbeddingSize = 3 },
    HeadOptions = head,
    Optimizer = OptimizerKind.Adadelta,
    LearningRate = 1.0f,
    Schedule = ScheduleKind.Step,
    ScheduleStepEpochs = 1,
    ScheduleGamma = 0.7f,
    MaxEpoch = arguments.Int("epochs"),
    BatchSize = 256,
    ValidationSet = test,
    Seed = arguments.Int("seed"),
};
double margin = arguments.Double("margin");
double[] scales = [.. arguments.String("scales").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(v => double.Parse(v, CultureInfo.InvariantCulture))];
var runs = new List<(string Name, string Title, ArcFaceTrainer Trainer)>
{
    ("softmax", "softmax (linear 3→10)", ml.MulticlassClassification.Trainers.Softmax(Recipe(new HeadOptions()))),
};
foreach (double scale in scales)
    runs.Add(($"arcface-s{scale:G3}", $"arcface (s = {scale:G3}, m = {margin:G3}){(scale == 1 ? " — the tutorial's" : "")}",
        ml.MulticlassClassification.Trainers.ArcFace(Recipe(new HeadOptions { Scale = scale, Margin = margin }))));

var table = new ResultsTable("model", "test accuracy", "k-NN accuracy", "mean confidence", "log-loss", "intra-class angle", "min centre angle", "closest classes");
var histories = new List<TrainingHistory>();
foreach (var (name, title, trainer) in runs)
{
    var started = Stopwatch.StartNew();
    var model = trainer.Fit(train);
    Console.WriteLine($"{name}: trained in {started.Elapsed.TotalSeconds:F0} s ({model.History.Epochs.Average(e => e.SamplesPerSecond):F0} samples/s)");
    histories.Add(model.History);

    // Batched evaluation: the head's metrics, k-NN against the training embeddings, angles on the sphere.
    var report = ml.MulticlassClassification.EvaluateMarginModel(model, test, gallery: train, knnK: 5, diagnostics: true);

    // The saved-model path (ML.NET's Transform) for the plots: Embedding is already L2-normalised.
    var scored = model.Transform(test);
    double confidence = scored.GetColumn<float[]>("Score").Average(s => s.Max());
    var (embeddings, _, labels) = Columns.EmbeddingsAndLabels(scored);
    int shown = Math.Min(arguments.Int("plot-rows"), labels.Length);
    string label = title.Split(" — ")[0];
    SphereProjectionPlot.Save(Path.Combine(outDir, $"{name}-sphere.png"), embeddings.AsSpan(0, shown * 3), labels.AsSpan(0, shown), model.ClassNames,
        $"{label}: {shown} test embeddings on the unit sphere");
    TrainingCurvePlot.Save(Path.Combine(outDir, $"{name}-training.png"), model.History, $"{label}: Adadelta 1.0, StepLR γ 0.7");

    var d = report.Diagnostics!;
    table.Add(title,
        ResultsTable.F(report.Classification.MicroAccuracy), ResultsTable.F(report.KnnAccuracy!.Value), ResultsTable.F(confidence, 3),
        ResultsTable.F(report.Classification.LogLoss, 3), $"{d.MeanIntraClassAngle:F1}°", $"{d.MinInterClassCenterAngle:F1}°",
        $"{model.ClassNames[d.ClosestClassPair.First]} / {model.ClassNames[d.ClosestClassPair.Second]}");
}

Console.WriteLine();
Console.WriteLine("Test accuracy after each epoch (the tutorial's test()):");
var epochs = new ResultsTable(["epoch", "learning rate", .. runs.Select(r => r.Name)]);
for (int e = 0; e < histories[0].Epochs.Count; e++)
    epochs.Add([(e + 1).ToString(), ResultsTable.F(histories[0].Epochs[e].LearningRate, 4), .. histories.Select(h => ResultsTable.F(h.Epochs[e].ValidationAccuracy ?? double.NaN))]);
epochs.Print();
Console.WriteLine();
table.Print();
Console.WriteLine($"\nplots written to {outDir}; wall time {clock.Elapsed.TotalMinutes:F1} min");

static string Find(string folder, string stem) => File.Exists(Path.Combine(folder, stem + ".gz")) ? stem + ".gz" : stem;

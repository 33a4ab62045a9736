// Reproduces seed article 000, "How to train with ArcFace loss to improve model classification accuracy" (Keras,
// chest x-rays), on Fashion-MNIST, which stands in for the x-ray images (they are not available here):
//  1. a softmax baseline (the seed CNN with a 64-d "dense 64" embedding), trained on equalised images with the
//     article's augmentation (±10° rotation, padded crop, horizontal flip); its classification report and its
//     validation loss, the article's reference value;
//  2. ArcFace fine-tuning from the baseline's encoder with its two convolutional layers frozen, at the article's
//     s = 6 (its m = 2 rad is not a valid additive angular margin, θ + m would pass π for every θ > 65°; we keep the
//     paper's m = 0.5), once at the article's higher learning rate 1e-2 and once at the trainer's default 1e-3; and, to
//     test the article's claim that ArcFace "is hard to converge from scratch", the same ArcFace head trained from
//     scratch for as many epochs as both stages together;
//  3. the article's sanity check against the "100 % accuracy" label-leak bug: the ArcFace validation loss (no margin,
//     no labels) must be in the baseline's range, and predictions must not change when the label column is shuffled
//     or removed (accuracy against shuffled labels must drop to chance);
//  4. the pretrained-backbone variant: Fashion-MNIST rows written as PNG files into class folders, then
//     LoadImages → ResizeImages(224) → ExtractPixels → DnnFeaturizeImage(ResNet-18) → ArcFace (MLP on the 512-d
//     features) against the seed CNN trained from scratch on the same images (28 × 28 grey), same epochs and head.
//     ResNet-18 featurisation costs tens of milliseconds per image on a small CPU: keep the row counts small.
//
//   dotnet run -c Release --project examples/XrayFineTuning -- [--train-rows 10000] [--test-rows 5000] [--epochs 5]
//       [--frozen-layers 2] [--scale 6] [--margin 0.5] [--finetune-lr 0.01,0.001] [--no-scratch]
//       [--backbone-train 2000] [--backbone-test 1000] [--backbone-epochs 10] [--no-backbone] [--seed 7] [--plot-rows 1500]
//       [--out artifacts/XrayFineTuning]
//
// Prints the classification reports (scikit-learn layout) of the baseline and the fine-tuned models, a results table
// (accuracy, macro F1, k-NN accuracy with the training embeddings as gallery, validation loss), the sanity check,
// and the backbone comparison table. Writes into the output folder: baseline-training.png; per fine-tuning learning
// rate arcface-lr<lr>-training.png, -confusion.png and -pca.png; for the backbone variant images/ (the PNG class
// folders) and backbone-pca.png.
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Examples;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss;
using MLNetMarginLoss.Evaluation;
using MLNetMarginLoss.Plotting;
using SkiaSharp;

var arguments = ExampleArgs.Parse(args, "XrayFineTuning: the x-ray article's ArcFace fine-tuning recipe on Fashion-MNIST, and a pretrained ResNet-18 backbone.",
    new("train-rows", "10000", "training rows"),
    new("test-rows", "5000", "validation/test rows (from the test split)"),
    new("epochs", "5", "epochs of the baseline, and of the ArcFace fine-tuning"),
    new("frozen-layers", "2", "encoder layers frozen during fine-tuning (the CNN's two convolutions)"),
    new("scale", "6", "ArcFace scale s (the article's 6)"),
    new("margin", "0.5", "ArcFace margin m in radians"),
    new("finetune-lr", "0.01,0.001", "fine-tuning learning rates, one model each (the article's 1e-2; the trainer's default 1e-3)"),
    new("no-scratch", "false", "skip the ArcFace-from-scratch comparison", IsFlag: true),
    new("backbone-train", "2000", "backbone variant: training images written as PNG"),
    new("backbone-test", "1000", "backbone variant: test images written as PNG"),
    new("backbone-epochs", "10", "backbone variant: epochs for both models"),
    new("no-backbone", "false", "skip the pretrained-backbone variant", IsFlag: true),
    new("seed", "7", "random seed of the trainers"),
    new("plot-rows", "1500", "validation rows drawn on the PCA scatter plots"),
    new("out", "artifacts/XrayFineTuning", "output folder"));
var clock = Stopwatch.StartNew();
string outDir = arguments.OutputFolder();
var ml = new MLContext(seed: 7);
int epochs = arguments.Int("epochs"), seed = arguments.Int("seed");
double scale = arguments.Double("scale"), margin = arguments.Double("margin");

// --- Data. The article equalises every x-ray's histogram (its contrast varies). Equalisation must then be applied to
// every image the model ever sees, so it is a preprocessing step here, not a training-time augmentation.
var equalise = new ImageAugmentation { EqualizeHistogram = true };
InMemoryDataView Equalised(InMemoryDataView v)
{
    var f = v.Features.ToArray();
    for (int row = 0; row < v.RowCount; row++) equalise.Apply(f.AsSpan(row * v.RowSize, v.RowSize), 1, 28, 28, new Random(0));
    return new InMemoryDataView(f, v.Dimensions, [.. v.Labels!], v.ClassNames);
}
var train = Equalised(FashionMnist.Load(ml, test: false, limit: arguments.Int("train-rows")));
var valid = Equalised(FashionMnist.Load(ml, test: true, limit: arguments.Int("test-rows")));
Console.WriteLine($"Fashion-MNIST (standing in for the x-rays): {train.RowCount} training rows, {valid.RowCount} validation rows, histogram-equalised");

var augmentation = new ImageAugmentation { MaxRotationDegrees = 10, CropPadding = 2, HorizontalFlipProbability = 0.5 };
var encoder = new EncoderSpec { Kind = EncoderKind.Cnn, EmbeddingSize = 64 };
ArcFaceTrainer.Options Options(int maxEpoch) => new()
{
    Encoder = encoder, Augmentation = augmentation, ValidationSet = valid, MaxEpoch = maxEpoch, BatchSize = 128, Seed = seed,
};

// --- 1. Softmax baseline.
var baseline = ml.MulticlassClassification.Trainers.Softmax(Options(epochs)).Fit(train);
var baselineReport = ml.MulticlassClassification.EvaluateMarginModel(baseline, valid, gallery: train, knnK: 5);
double baselineLoss = baseline.History.Epochs[^1].ValidationLoss!.Value;
Console.WriteLine("\n== softmax baseline: classification report on the validation rows ==");
Console.WriteLine(baselineReport.Report.ToText());
TrainingCurvePlot.Save(Path.Combine(outDir, "baseline-training.png"), baseline.History, "Softmax baseline (seed CNN, augmented)");

// --- 2. ArcFace fine-tuned from the baseline's encoder, convolutions frozen; the head starts afresh. One model per
// learning rate: the article's 1e-2, and the trainer's default 1e-3.
var table = new ResultsTable("model", "accuracy", "macro F1", "k-NN accuracy", "validation loss", "epochs");
void AddRow(string name, ArcFaceTransformer model, ModelEvaluationReport report) => table.Add(name,
    ResultsTable.F(report.Classification.MicroAccuracy), ResultsTable.F(report.Report.MacroAverage.F1), ResultsTable.F(report.KnnAccuracy!.Value),
    ResultsTable.F(model.History.Epochs[^1].ValidationLoss!.Value), model.History.Epochs.Count.ToString());
AddRow("softmax baseline", baseline, baselineReport);
int frozen = arguments.Int("frozen-layers"), plotRows = arguments.Int("plot-rows");
var tunedModels = new List<(string Name, ArcFaceTransformer Model, ModelEvaluationReport Report)>();
foreach (double lr in arguments.String("finetune-lr").Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)))
{
    var finetuneOptions = Options(epochs);
    finetuneOptions.InitialModel = baseline;
    finetuneOptions.FrozenLayers = frozen;
    finetuneOptions.LearningRate = (float)lr;
    finetuneOptions.HeadOptions = new HeadOptions { Scale = scale, Margin = margin };
    var tuned = ml.MulticlassClassification.Trainers.ArcFace(finetuneOptions).Fit(train);
    var tunedReport = ml.MulticlassClassification.EvaluateMarginModel(tuned, valid, gallery: train, knnK: 5);
    string name = $"ArcFace fine-tuned, lr {lr:G3}";
    Console.WriteLine($"== ArcFace (s = {scale:G3}, m = {margin:G3}) fine-tuned at lr {lr:G3}, {frozen} layers frozen: classification report ==");
    Console.WriteLine(tunedReport.Report.ToText());
    string file = $"arcface-lr{lr:G3}";
    TrainingCurvePlot.Save(Path.Combine(outDir, $"{file}-training.png"), tuned.History, $"ArcFace fine-tuning (s = {scale:G3}, m = {margin:G3}, lr {lr:G3}, {frozen} layers frozen)");
    ConfusionMatrixPlot.Save(Path.Combine(outDir, $"{file}-confusion.png"), tunedReport.Classification.ConfusionMatrix, title: $"{name}: validation confusion matrix (recall per row)");
    var (embeddings, dimension, labels) = Columns.EmbeddingsAndLabels(tuned.Transform(ml.Data.TakeRows(valid, plotRows)));
    PcaScatterPlot.Save(Path.Combine(outDir, $"{file}-pca.png"), embeddings, dimension, labels, tuned.ClassNames, $"{name}: PCA of {labels.Length} validation embeddings");
    AddRow($"{name} ({frozen} frozen)", tuned, tunedReport);
    tunedModels.Add((name, tuned, tunedReport));
}
if (!arguments.Flag("no-scratch"))
{
    var scratchOptions = Options(2 * epochs);
    scratchOptions.HeadOptions = new HeadOptions { Scale = scale, Margin = margin };
    var scratch = ml.MulticlassClassification.Trainers.ArcFace(scratchOptions).Fit(train);
    AddRow("ArcFace from scratch, lr 0.001", scratch, ml.MulticlassClassification.EvaluateMarginModel(scratch, valid, gallery: train, knnK: 5));
}
Console.WriteLine($"Validation rows: {valid.RowCount}; k-NN: k = 5, the {train.RowCount} training embeddings as gallery.");
table.Print();

// --- 3. The article's sanity check against label leakage, for every fine-tuned model: the same rows scored with the
// labels in place, shuffled, and removed must give the same predictions.
var shuffledLabels = valid.Labels!.ToArray();
new Random(seed).Shuffle(shuffledLabels);
var shuffled = new InMemoryDataView(valid.Features.ToArray(), valid.Dimensions, shuffledLabels, valid.ClassNames);
var unlabelled = new InMemoryDataView(valid.Features.ToArray(), valid.Dimensions);
Console.WriteLine("\nSanity check (the article's \"100 % accuracy\" bug: a margin layer fed the labels at prediction time):");
Console.WriteLine($"  validation loss without margin of the softmax baseline: {baselineLoss:F4}");
bool leak = false;
foreach (var (name, tuned, tunedReport) in tunedModels)
{
    var predicted = tuned.Transform(valid).GetColumn<uint>("PredictedLabel").ToArray();
    var scoredShuffled = tuned.Transform(shuffled);
    int sameShuffled = scoredShuffled.GetColumn<uint>("PredictedLabel").Zip(predicted).Count(t => t.First == t.Second);
    int sameUnlabelled = tuned.Transform(unlabelled).GetColumn<uint>("PredictedLabel").Zip(predicted).Count(t => t.First == t.Second);
    double shuffledAccuracy = ml.MulticlassClassification.Evaluate(scoredShuffled).MicroAccuracy;
    double tunedLoss = tuned.History.Epochs[^1].ValidationLoss!.Value;
    bool suspicious = sameShuffled != predicted.Length || sameUnlabelled != predicted.Length || tunedReport.Classification.MicroAccuracy > 0.995 || tunedLoss < 0.2 * baselineLoss;
    leak |= suspicious;
    Console.WriteLine($"  {name}: validation loss {tunedLoss:F4}; predictions unchanged with the labels shuffled {sameShuffled}/{predicted.Length}, " +
        $"with no label column {sameUnlabelled}/{predicted.Length}; accuracy against the shuffled labels {shuffledAccuracy:F4} (chance ≈ 0.1) — " +
        (suspicious ? "FAILED: predictions depend on the labels, or the accuracy / loss is implausibly good." : "passed"));
}

// --- 4. Pretrained ResNet-18 backbone against the seed CNN from scratch, on the same image files.
if (!arguments.Flag("no-backbone"))
{
    string images = Path.Combine(outDir, "images");
    var trainDir = WriteImageFolder(FashionMnist.Load(ml, test: false, limit: arguments.Int("backbone-train")), Path.Combine(images, "train"));
    var testDir = WriteImageFolder(FashionMnist.Load(ml, test: true, limit: arguments.Int("backbone-test")), Path.Combine(images, "test"));
    var trainList = ImageFolder.Load(ml, trainDir);   // ImagePath, Label (a key over the folder names)
    var testList = ImageFolder.Load(ml, testDir);
    int backboneEpochs = arguments.Int("backbone-epochs");
    var head = new HeadOptions { Scale = scale, Margin = margin };

    // (a) LoadImages → ResizeImages(224) → ExtractPixels → DnnFeaturizeImage(ResNet-18) → 512-d features, computed
    // once for each split (the featurizer is frozen), then ArcFace with an MLP encoder on them. Appending the trainer
    // to the featurizer chain trains the same model; materialising the features keeps them from being computed twice.
    var featurizer = PretrainedBackbone.ResNet18(ml).Fit(trainList);
    var watch = Stopwatch.StartNew();
    var trainFeatures = Materialise(featurizer.Transform(trainList));
    var testFeatures = Materialise(featurizer.Transform(testList));
    double msPerImage = watch.Elapsed.TotalMilliseconds / (trainFeatures.RowCount + testFeatures.RowCount);
    watch.Restart();
    var resnet = ml.MulticlassClassification.Trainers.ArcFace(new ArcFaceTrainer.Options
    {
        Encoder = new EncoderSpec { Kind = EncoderKind.Mlp }, HeadOptions = head, MaxEpoch = backboneEpochs, BatchSize = 128, Seed = seed,
    }).Fit(trainFeatures);
    double resnetSeconds = watch.Elapsed.TotalSeconds;
    var resnetReport = ml.MulticlassClassification.EvaluateMarginModel(resnet, testFeatures, gallery: trainFeatures, knnK: 5);
    var (e, d, l) = Columns.EmbeddingsAndLabels(resnet.Transform(ml.Data.TakeRows(testFeatures, plotRows)));
    PcaScatterPlot.Save(Path.Combine(outDir, "backbone-pca.png"), e, d, l, resnet.ClassNames, $"ResNet-18 features + ArcFace: PCA of {l.Length} test embeddings");

    // (b) The seed CNN from scratch on the same PNG files: LoadImages → ResizeImages(28) → grey ExtractPixels.
    var trainPixels = Materialise(ImageFolder.Pixels(ml, 28, 28, grayscale: true).Fit(trainList).Transform(trainList));
    var testPixels = Materialise(ImageFolder.Pixels(ml, 28, 28, grayscale: true).Fit(testList).Transform(testList));
    watch.Restart();
    var cnn = ml.MulticlassClassification.Trainers.ArcFace(new ArcFaceTrainer.Options
    {
        Encoder = new EncoderSpec { Kind = EncoderKind.Cnn }, HeadOptions = head, MaxEpoch = backboneEpochs, BatchSize = 128, Seed = seed,
    }).Fit(trainPixels);
    double cnnSeconds = watch.Elapsed.TotalSeconds;
    var cnnReport = ml.MulticlassClassification.EvaluateMarginModel(cnn, testPixels, gallery: trainPixels, knnK: 5);

    Console.WriteLine($"\nPretrained backbone vs the seed CNN from scratch: {trainFeatures.RowCount} training and {testFeatures.RowCount} test PNGs, " +
        $"ArcFace s = {scale:G3}, m = {margin:G3}, {backboneEpochs} epochs each; ResNet-18 featurisation {msPerImage:F0} ms per image.");
    var backboneTable = new ResultsTable("model", "input", "test accuracy", "macro F1", "k-NN accuracy", "training time");
    backboneTable.Add("ResNet-18 (ImageNet, frozen) + MLP + ArcFace", "224×224 RGB → 512-d", ResultsTable.F(resnetReport.Classification.MicroAccuracy),
        ResultsTable.F(resnetReport.Report.MacroAverage.F1), ResultsTable.F(resnetReport.KnnAccuracy!.Value), $"{resnetSeconds:F1} s + {msPerImage * (trainFeatures.RowCount + testFeatures.RowCount) / 1000:F0} s of features");
    backboneTable.Add("seed CNN from scratch + ArcFace", "28×28 grey", ResultsTable.F(cnnReport.Classification.MicroAccuracy),
        ResultsTable.F(cnnReport.Report.MacroAverage.F1), ResultsTable.F(cnnReport.KnnAccuracy!.Value), $"{cnnSeconds:F1} s");
    backboneTable.Print();
}
Console.WriteLine($"\nplots written to {outDir}; wall time {clock.Elapsed.TotalMinutes:F1} min");
return leak ? 1 : 0;

// Writes each row as a 28 × 28 grey PNG into <folder>/<class>/<row>.png ("/" in a class name becomes "-").
static string WriteImageFolder(InMemoryDataView data, string folder)
{
    var info = new SKImageInfo(28, 28, SKColorType.Gray8, SKAlphaType.Opaque);
    var pixels = new byte[28 * 28];
    for (int row = 0; row < data.RowCount; row++)
    {
        string dir = Path.Combine(folder, data.ClassNames[data.Labels![row]].Replace('/', '-'));
        Directory.CreateDirectory(dir);
        var values = data.Row(row);
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)Math.Round(values[i] * 255);
        using var bitmap = new SKBitmap(info);
        Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(Path.Combine(dir, $"{row:D5}.png"), png.ToArray());
    }
    return folder;
}

// Reads the Features and Label columns once into memory (the image decoding and featurisation run here, once).
static InMemoryDataView Materialise(IDataView view)
{
    var features = view.GetColumn<float[]>("Features").ToArray();
    var labels = view.GetColumn<uint>("Label").Select(k => (int)k - 1).ToArray();
    var names = default(VBuffer<ReadOnlyMemory<char>>);
    view.Schema["Label"].GetKeyValues(ref names);
    var dimensions = ((VectorDataViewType)view.Schema["Features"].Type).Dimensions.ToArray();
    return new InMemoryDataView(features.SelectMany(f => f).ToArray(), dimensions, labels, names.DenseValues().Select(n => n.ToString()).ToArray());
}

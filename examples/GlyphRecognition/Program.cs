// Open-set recognition over thousands of classes, where margin losses are meant to win: characters rendered in the
// system's typefaces (GlyphImages; a character is an identity, a typeface a "camera"), 2,500 characters trained on and
// 1,255 never seen. Every head is trained on the same images with the same encoder; then, on the unseen characters only:
// verification of balanced pairs whose two images come from different typefaces (ROC AUC, TAR at FAR 1e-3, the LFW
// 10-fold accuracy), 1-shot and 5-shot identification (gallery from the first 1 or 5 gallery faces, probes from the 13
// other faces), and open-set rejection (a gallery of the training images; the threshold accepts 95 % of known-character
// images from held-out faces); and closed-set accuracy of the head on the training characters in 4 held-out faces.
// Encoders: the seed tutorial's CNN, and the library's ResNet at half its default widths (16-32-64, one block per
// stage); each head with its documented defaults; Adam 1e-3, cosine schedule, batch 256. With --softmax-warmup N the
// margin heads (not softmax and NormSoftmax) train their first N epochs as plain normalised softmax (SoftmaxWarmupEpochs).
//
//   dotnet run -c Release --project examples/GlyphRecognition -- [--chars 3755] [--train-chars 2500] [--variants 1]
//       [--epochs 5] [--encoders cnn,resnet] [--seeds 1,2,3] [--resnet-seeds 1] [--heads softmax,normsoftmax,arcface,cosface,subcenter,adaface]
//       [--softmax-warmup 0] [--scale S] [--pairs 20000] [--resume] [--out artifacts/GlyphRecognition]
//
// Prints one table per encoder (mean ± standard deviation over the seeds) and the paired differences to softmax; writes
// runs.tsv (one line per run), <encoder>-roc.png (every head's ROC on unseen characters, first seed),
// <encoder>-<head>-pca.png (PCA of 10 unseen characters in all faces, first seed) and samples.png (some training images).
using System.Diagnostics;
using System.Globalization;
using Examples;
using Microsoft.ML;
using MLNetMarginLoss;
using MLNetMarginLoss.Evaluation;
using MLNetMarginLoss.Plotting;

var arguments = ExampleArgs.Parse(args, "GlyphRecognition: open-set recognition of characters never seen in training, every head, on glyphs from system fonts.",
    new("chars", "3755", "characters used: the first N of GB 2312 level 1 (3,755)"),
    new("train-chars", "2500", "characters trained on (the rest are never seen)"),
    new("variants", "1", "augmented images per training character and training face"),
    new("size", "32", "image side in pixels"),
    new("epochs", "5", "epochs per model"),
    new("encoders", "cnn,resnet", "encoders: cnn (the seed tutorial's), resnet (the library's small ResNet)"),
    new("seeds", "1,2,3", "seeds of the CNN runs (rendering, training, pair draw)"),
    new("resnet-seeds", "1", "seeds of the ResNet runs"),
    new("heads", "softmax,normsoftmax,arcface,cosface,subcenter,adaface", "heads to compare"),
    new("scale", "", "scale s of the cosine heads (default: the library's HeadDefaults.DefaultScale, 14.7 for 2,500 classes)"),
    new("pairs", "20000", "verification pairs of unseen-character images from different faces"),
    new("softmax-warmup", "0", "epochs the margin heads train as plain normalised softmax before their margin switches on (SoftmaxWarmupEpochs)"),
    new("threads", "0", "training threads (0 = all cores)"),
    new("resume", "false", "keep the runs already in <out>/runs.tsv and train only the missing ones", IsFlag: true),
    new("out", "artifacts/GlyphRecognition", "output folder"));
var clock = Stopwatch.StartNew();
string outDir = arguments.OutputFolder();
var ml = new MLContext(seed: 1);
var protocol = GlyphProtocol.Standard(arguments.Int("chars"), arguments.Int("train-chars"));
string[] heldOutFaces = [.. protocol.HeldOutFaces.Select(f => f.Name)];
string[] galleryFaces = [.. protocol.GalleryFaces.Select(f => f.Name)];
string[] queryFaces = [.. protocol.QueryFaces.Select(f => f.Name)];
int[] Seeds(string name) => [.. arguments.String(name).Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
string[] encoders = arguments.String("encoders").Split(',', StringSplitOptions.RemoveEmptyEntries);
string[] heads = arguments.String("heads").Split(',', StringSplitOptions.RemoveEmptyEntries);
double? scale = arguments.String("scale").Length == 0 ? null : arguments.Double("scale");
int size = arguments.Int("size"), epochs = arguments.Int("epochs"), pairs = arguments.Int("pairs");
Console.WriteLine($"{protocol.Characters.Count} characters (GB 2312 level 1): {protocol.TrainingCharacters.Count} trained on, {protocol.UnseenCharacters.Count} unseen; " +
    $"{protocol.Faces.Count} faces: {protocol.TrainingFaces.Count} trained on, held out: {string.Join(", ", heldOutFaces)}");
Console.WriteLine($"gallery faces: {string.Join(", ", galleryFaces)}; {size}×{size} images, {arguments.Int("variants")} per training character and face; {epochs} epochs, Adam 1e-3, cosine schedule, batch 256");

// The trainer of one head from the catalog, with the options every head shares.
ArcFaceTrainer Trainer(string head, EncoderKind encoder, int seed)
{
    var options = new ArcFaceTrainer.Options
    {
        // The ResNet at half the library's default widths (16-32-64 instead of 32-64-128): 4× less work per image.
        Encoder = new EncoderSpec { Kind = encoder, EmbeddingSize = 128, StageWidths = [16, 32, 64] },
        MaxEpoch = epochs,
        Schedule = ScheduleKind.Cosine,
        Seed = seed,
        Threads = arguments.Int("threads"),
        HeadOptions = new HeadOptions { Scale = head == "softmax" ? null : scale },
        SoftmaxWarmupEpochs = head is "softmax" or "normsoftmax" ? 0 : arguments.Int("softmax-warmup"),
    };
    var trainers = ml.MulticlassClassification.Trainers;
    return head switch
    {
        "softmax" => trainers.Softmax(options),
        "normsoftmax" => trainers.NormSoftmax(options),
        "arcface" => trainers.ArcFace(options),
        "cosface" => trainers.CosFace(options),
        "subcenter" => trainers.SubCenterArcFace(options),
        "adaface" => trainers.AdaFace(options),
        "sphereface" => trainers.SphereFace(options),
        "combined" => trainers.CombinedMargin(options),
        "adacos" => trainers.AdaCos(options),
        "curricular" => trainers.CurricularFace(options),
        "magface" => trainers.MagFace(options),
        "elasticface" => trainers.ElasticFace(options),
        _ => throw new ArgumentException($"unknown head '{head}'"),
    };
}

// Runs already in runs.tsv (an interrupted job started again with --resume) are read back, not trained again.
string runsPath = Path.Combine(outDir, "runs.tsv");
var runs = arguments.Flag("resume") && File.Exists(runsPath) ? File.ReadLines(runsPath).Skip(1).Select(Run.FromTsv).ToList() : [];
if (runs.Count == 0) File.WriteAllText(runsPath, Run.Header + "\n");
else Console.Error.WriteLine($"resuming: {runs.Count} runs read from {runsPath}");

// Seed-major order (seed 1 of every encoder first), so that an interrupted job has whole seeds.
var jobs = encoders.SelectMany(e => Seeds(e == "cnn" ? "seeds" : "resnet-seeds").Select((seed, i) => (Encoder: e, Seed: seed, Order: i, First: i == 0)))
    .OrderBy(j => j.Order).ThenBy(j => Array.IndexOf(encoders, j.Encoder)).ToList();
foreach (var (encoderName, seed, _, firstSeed) in jobs)
{
    var encoder = encoderName switch { "cnn" => EncoderKind.Cnn, "resnet" => EncoderKind.ResNet, _ => throw new ArgumentException($"unknown encoder '{encoderName}'") };
    string[] todo = [.. heads.Where(h => !runs.Any(r => r.Encoder == encoderName && r.Seed == seed && r.Head == h))];
    if (todo.Length == 0) continue;

    // The images: training characters in training faces (augmented variants), training characters in held-out faces
    // (one each: closed-set accuracy and the open set's known probes), unseen characters in every face (one each).
    var watch = Stopwatch.StartNew();
    var trainImages = GlyphImages.Render(protocol.TrainingCharacters, protocol.TrainingFaces, arguments.Int("variants"), imageSize: size, seed: seed, skipMissingGlyphs: true);
    var knownImages = GlyphImages.Render(protocol.TrainingCharacters, protocol.HeldOutFaces, 1, imageSize: size, seed: seed, skipMissingGlyphs: true);
    var unseenImages = GlyphImages.Render(protocol.UnseenCharacters, protocol.Faces, 1, imageSize: size, seed: seed, skipMissingGlyphs: true);
    var train = trainImages.ToDataView();
    var known = knownImages.ToDataView();
    var unseen = unseenImages.ToDataView();
    var unseenHeldOut = unseenImages.ToDataView(faces: heldOutFaces);
    var oneShotGallery = unseenImages.ToDataView(faces: galleryFaces[..1]);
    var fiveShotGallery = unseenImages.ToDataView(faces: galleryFaces[..Math.Min(5, galleryFaces.Length)]);
    var probes = unseenImages.ToDataView(faces: queryFaces);
    Console.Error.WriteLine($"seed {seed}: rendered {trainImages.RowCount} training, {knownImages.RowCount} held-out-face and {unseenImages.RowCount} unseen-character images " +
        $"in {watch.Elapsed.TotalSeconds:F0} s ({trainImages.MissingGlyphs.Count + knownImages.MissingGlyphs.Count + unseenImages.MissingGlyphs.Count} character–face pairs without a glyph left out)");
    if (firstSeed && encoderName == encoders[0])
        SampleSheet.Save(Path.Combine(outDir, "samples.png"), unseenImages, 12);

    foreach (var head in todo)
    {
        watch.Restart();
        var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(Trainer(head, encoder, seed)).Fit(train);
        double trainSeconds = watch.Elapsed.TotalSeconds;
        var arcFace = model.LastTransformer;
        foreach (var e in arcFace.History.Epochs)
            Console.Error.WriteLine($"  {encoderName} seed {seed} {head} epoch {e.Epoch + 1}: loss {e.TrainLoss:F3}, training accuracy {e.TrainAccuracy:F3}, {e.SamplesPerSecond:F0} samples/s");
        watch.Restart();
        double closedSet = ml.MulticlassClassification.Evaluate(model.Transform(known)).MicroAccuracy;

        // Embeddings (the encoder alone, L2-normalised) of every view the protocol needs.
        var extractor = ml.Transforms.ExtractEmbeddings(arcFace).Fit(unseen);
        IDataView Embed(IDataView view) => ml.Data.Cache(extractor.Transform(view));
        var unseenEmbedded = Embed(unseen);
        var verification = ml.MulticlassClassification.EvaluateVerificationAcrossGroups(unseenEmbedded, GlyphImages.FaceColumnName, pairs: pairs, seed: seed);
        var probesEmbedded = Embed(probes);
        var oneShot = ml.MulticlassClassification.EvaluateIdentification(Embed(oneShotGallery), probesEmbedded);
        var fiveShot = ml.MulticlassClassification.EvaluateIdentification(Embed(fiveShotGallery), probesEmbedded);
        var openSet = ml.MulticlassClassification.EvaluateOpenSet(Embed(train), Embed(known), Embed(unseenHeldOut), knownAcceptRate: 0.95);
        double evalSeconds = watch.Elapsed.TotalSeconds;

        var run = new Run(encoderName, seed, head, closedSet, verification.Auc, verification.TrueAcceptRates[1e-3], verification.CrossValidation.MeanAccuracy,
            oneShot.Rank1Accuracy, fiveShot.Rank1Accuracy, openSet.UnknownRejectRate, openSet.DetectionAndIdentificationRate, openSet.Auc,
            arcFace.History.Epochs[^1].TrainAccuracy, trainSeconds, evalSeconds);
        runs.Add(run);
        File.AppendAllText(runsPath, run.ToTsv() + "\n");
        Console.Error.WriteLine($"{encoderName} seed {seed} {head}: trained {trainSeconds:F0} s, evaluated {evalSeconds:F0} s; closed-set {closedSet:F4}, AUC {verification.Auc:F4}, " +
            $"TAR@1e-3 {verification.TrueAcceptRates[1e-3]:F4}, 10-fold {verification.CrossValidation.MeanAccuracy:F4}, 1-shot {oneShot.Rank1Accuracy:F4}, 5-shot {fiveShot.Rank1Accuracy:F4}, " +
            $"unknown rejected {openSet.UnknownRejectRate:F4} (known accepted {openSet.KnownAcceptRate:F4}, DIR {openSet.DetectionAndIdentificationRate:F4}, AUROC {openSet.Auc:F4})");

        if (firstSeed)
        {
            // The first seed's figures: the ROC (kept on disk, so that a resumed job can still draw every head) and a PCA of 10 unseen characters in all their faces.
            RocScores.Save(Path.Combine(outDir, $"{encoderName}-{head}-roc.tsv"), verification.Roc);
            var shown = protocol.UnseenCharacters.Take(10).ToArray();
            var (embeddings, dimension, labels) = Columns.EmbeddingsAndLabels(Embed(unseenImages.ToDataView(shown)));
            PcaScatterPlot.Save(Path.Combine(outDir, $"{encoderName}-{head}-pca.png"), embeddings, dimension, labels,
                [.. shown.Select(c => $"U+{char.ConvertToUtf32(c, 0):X4}")], $"{encoderName}, {head}: PCA of 10 unseen characters in {protocol.Faces.Count} faces");
        }
    }
}
foreach (var encoderName in encoders)
{
    var curves = heads.Select(h => (Head: h, Path: Path.Combine(outDir, $"{encoderName}-{h}-roc.tsv"))).Where(c => File.Exists(c.Path))
        .Select(c => (c.Head, RocScores.Load(c.Path))).ToList();
    if (curves.Count > 0)
        RocPlot.Save(Path.Combine(outDir, $"{encoderName}-roc.png"), curves, logFalseAcceptRate: true,
            title: $"{encoderName}: verification of {protocol.UnseenCharacters.Count} unseen characters across faces");
}

// Mean ± standard deviation over seeds, one table per encoder, then the paired differences to softmax.
foreach (var encoderName in encoders)
{
    var mine = runs.Where(r => r.Encoder == encoderName).ToList();
    int seedCount = mine.Select(r => r.Seed).Distinct().Count();
    Console.WriteLine($"\n{encoderName}: unseen characters ({protocol.UnseenCharacters.Count}); mean ± standard deviation over {seedCount} seed(s)");
    var table = new ResultsTable("head", "training accuracy", "closed-set accuracy", "AUC", "TAR@FAR=1e-3", "10-fold accuracy", "1-shot", "5-shot", "unknown rejected", "train time");
    foreach (var head in heads)
    {
        var h = mine.Where(r => r.Head == head).ToList();
        table.Add(head, Stat.Format(h, r => r.TrainAccuracy), Stat.Format(h, r => r.ClosedSet), Stat.Format(h, r => r.Auc), Stat.Format(h, r => r.Tar1e3), Stat.Format(h, r => r.TenFold),
            Stat.Format(h, r => r.OneShot), Stat.Format(h, r => r.FiveShot), Stat.Format(h, r => r.UnknownRejected), $"{h.Average(r => r.TrainSeconds) / 60:F1} min");
    }
    table.Print();
    if (!heads.Contains("softmax")) continue;
    Console.WriteLine($"\n{encoderName}: head − softmax, paired by seed (mean ± standard deviation of the differences)");
    var diff = new ResultsTable("head", "Δ AUC", "Δ TAR@FAR=1e-3", "Δ 10-fold", "Δ 1-shot", "Δ 5-shot", "Δ unknown rejected");
    foreach (var head in heads.Where(h => h != "softmax"))
    {
        var pairsBySeed = mine.Where(r => r.Head == head).Join(mine.Where(r => r.Head == "softmax"), r => r.Seed, r => r.Seed, (a, b) => (a, b)).ToList();
        string D(Func<Run, double> f) => Stat.Format(pairsBySeed.Select(p => f(p.a) - f(p.b)).ToList(), signed: true);
        diff.Add(head, D(r => r.Auc), D(r => r.Tar1e3), D(r => r.TenFold), D(r => r.OneShot), D(r => r.FiveShot), D(r => r.UnknownRejected));
    }
    diff.Print();
}
Console.WriteLine($"\nruns and plots written to {outDir}; wall time {clock.Elapsed.TotalMinutes:F1} min");

using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Data;
using MLNetMarginLoss.Heads;
using MLNetMarginLoss.MLNet;

namespace MLNetMarginLoss.Benchmarks;

/// <summary>
/// A measured run of the k-NN classifier at Fashion-MNIST scale, without BenchmarkDotNet:
/// <c>dotnet run -c Release --project test/MLNetMarginLoss.Benchmarks -- knn-quick [--epochs N] [--out DIR] [--reloaded-rows N]</c>.
/// Trains an ArcFace MLP (784-512-256-128, s = 30, m = 0.5) on the 60k training rows, embeds them (the gallery,
/// 60k × 128) and the 10k test rows, then times: KnnClassifier.Fit on the gallery view; the batched in-library
/// classification of the 10k test embeddings (Classify on an IDataView, and on the raw array), best of three; and the
/// saved model reloaded with mlContext.Model.Load, scoring rows one at a time. It writes DIR/knn.zip, DIR/model.zip
/// and DIR/queries.bin / DIR/images.bin for the model consumer (an app without this library), which measures the reloaded
/// model's rows/s and peak memory in a process of its own (rowsPerSecond and peakWorkingSetMB in its JSON):
/// <c>dotnet test/MLNetMarginLoss.ModelConsumer/bin/Release/net10.0/MLNetMarginLoss.ModelConsumer.dll DIR/queries.bin DIR/knn.zip DIR/knn.json</c>.
/// </summary>
public static class KnnQuick
{
    /// <summary>Runs the measurement; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        int epochs = 1, reloadedRows = 1000;
        string dir = Path.Combine(Path.GetTempPath(), "mlnet-margin-knn-quick");
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--epochs": epochs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--out": dir = args[++i]; break;
                case "--reloaded-rows": reloadedRows = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine($"knn-quick: unknown option '{args[i]}' (expected --epochs N, --out DIR, --reloaded-rows N).");
                    return 2;
            }
        }
        Directory.CreateDirectory(dir);
        var ml = new MLContext(0);
        var trainRows = MLNetMarginLoss.FashionMnist.LoadDataset();
        var testRows = MLNetMarginLoss.FashionMnist.LoadDataset(test: true);
        var clock = Stopwatch.StartNew();
        var model = new ArcFaceTrainer(new ArcFaceTrainer.Options
        {
            MaxEpoch = epochs, Seed = 1, HeadOptions = new HeadOptions { Scale = 30, Margin = 0.5 },
        }).Fit(trainRows.ToDataView(ml));
        Console.WriteLine($"trained {epochs} epoch(s) on {trainRows.Count} rows in {clock.Elapsed.TotalSeconds:F1} s");

        var galleryEmbeddings = model.Network.Transform(trainRows).Embedding;
        var queryEmbeddings = model.Network.Transform(testRows).Embedding;
        int d = model.EmbeddingSize;
        var gallery = EmbeddingView(ml, galleryEmbeddings, d, trainRows);
        var queries = EmbeddingView(ml, queryEmbeddings, d, testRows);

        clock.Restart();
        var knn = ml.MulticlassClassification.Trainers.KnnClassifier(k: 5).Fit(gallery);
        double fitSeconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"KnnClassifier.Fit: gallery {knn.GallerySize} × {knn.EmbeddingSize} in {fitSeconds:F2} s (read, normalise, ONNX graph, ONNX Runtime session)");

        double bestView = double.MaxValue, bestArray = double.MaxValue, bestSearch = double.MaxValue;
        KnnPredictions? predictions = null;
        for (int round = 0; round < 3; round++)
        {
            clock.Restart();
            knn.Search(queryEmbeddings, knn.K);
            bestSearch = Math.Min(bestSearch, clock.Elapsed.TotalSeconds);
            clock.Restart();
            predictions = knn.Classify(queries);
            bestView = Math.Min(bestView, clock.Elapsed.TotalSeconds);
            clock.Restart();
            knn.Classify(queryEmbeddings);
            bestArray = Math.Min(bestArray, clock.Elapsed.TotalSeconds);
        }
        int correct = 0;
        for (int i = 0; i < testRows.Count; i++) if (predictions!.PredictedLabel[i] == testRows.Labels![i] + 1) correct++;
        double headAccuracy = model.Network.Transform(testRows).PredictedLabel.Zip(testRows.Labels!).Count(t => t.First == t.Second) / (double)testRows.Count;
        Console.WriteLine($"batched classification of {testRows.Count} queries against {knn.GallerySize}: {bestView:F3} s from an IDataView, {bestArray:F3} s from an array, of which the search {bestSearch:F3} s ({2.0 * testRows.Count * knn.GallerySize * d / bestSearch / 1e9:F0} GFLOP/s) (best of 3); {testRows.Count / bestView:F0} rows/s");
        Console.WriteLine($"k-NN accuracy {correct / (double)testRows.Count:F4}, head {headAccuracy:F4}");

        string knnPath = Path.Combine(dir, "knn.zip"), modelPath = Path.Combine(dir, "model.zip");
        ml.Model.Save(knn, queries.Schema, knnPath);
        ml.Model.Save(model, null, modelPath);
        WriteRows(Path.Combine(dir, "queries.bin"), queryEmbeddings, d);
        WriteRows(Path.Combine(dir, "images.bin"), testRows.Features, testRows.RowSize);
        Console.WriteLine($"saved {knnPath} ({new FileInfo(knnPath).Length / 1048576.0:F1} MB) and {modelPath}");

        var loaded = new MLContext(1).Model.Load(knnPath, out _);
        var subset = ml.Data.TakeRows(queries, reloadedRows);
        clock.Restart();
        long rows = loaded.Transform(subset).GetColumn<uint>("PredictedLabel").LongCount();
        double reloadedSeconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"reloaded .zip, row at a time (in this process): {rows} rows in {reloadedSeconds:F2} s, {rows / reloadedSeconds:F0} rows/s");
        var process = Process.GetCurrentProcess();
        process.Refresh();
        Console.WriteLine($"peak working set of this process (training included): {process.PeakWorkingSet64 / 1048576.0:F0} MB");
        return 0;
    }

    private static IDataView EmbeddingView(MLContext ml, float[] embeddings, int d, Dataset rows)
    {
        var items = Enumerable.Range(0, rows.Count).Select(i => new Row { Embedding = embeddings.AsSpan(i * d, d).ToArray(), Label = rows.ClassNames[rows.Labels![i]] });
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Embedding)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, d);
        var view = ml.Data.LoadFromEnumerable(items.ToArray(), schema);
        var keyData = ml.Data.LoadFromEnumerable(rows.ClassNames.Select(n => new Term { Label = n }));
        return ml.Transforms.Conversion.MapValueToKey("Label", keyData: keyData).Fit(view).Transform(view);
    }

    /// <summary>Rows in the model consumer's input format: int32 rows, int32 values per row, int32 0 (no labels), float32 values.</summary>
    private static void WriteRows(string path, float[] values, int size)
    {
        using var writer = new BinaryWriter(File.Create(path));
        writer.Write(values.Length / size);
        writer.Write(size);
        writer.Write(0);
        foreach (var v in values) writer.Write(v);
    }

    private sealed class Row
    {
        public float[] Embedding { get; set; } = [];

        public string Label { get; set; } = "";
    }

    private sealed class Term
    {
        public string Label { get; set; } = "";
    }
}

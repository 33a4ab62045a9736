using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetSamples;

/// <summary>
/// ML.NET's MulticlassClassification_Iris sample: the four measurements concatenated into Features, the species (0, 1,
/// 2) mapped to a key, the trainer, and the key mapped back. Data: Fisher's 150 irises (Data/iris.csv).
/// </summary>
internal static class IrisSample
{
    private static readonly string[] Species = ["setosa", "versicolor", "virginica"];

    /// <summary>Trains, evaluates, saves, reloads and predicts.</summary>
    public static void Run(SampleRun run)
    {
        var mlContext = new MLContext(seed: run.Seed);

        // STEP 1: data loading (the file's first line is a header: 150,4,setosa,versicolor,virginica).
        var fullData = mlContext.Data.LoadFromTextFile<IrisData>(SampleRun.DataFile("iris.csv"), hasHeader: true, separatorChar: ',');
        var split = mlContext.Data.TrainTestSplit(fullData, testFraction: 0.2, seed: run.Seed);
        var trainingDataView = split.TrainSet;
        var testDataView = split.TestSet;

        // STEP 2: the sample's data processing (keys by value, so Score[i] is species i).
        var dataProcessPipeline = mlContext.Transforms.Conversion.MapValueToKey(outputColumnName: "KeyColumn", inputColumnName: nameof(IrisData.Label),
                keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Append(mlContext.Transforms.Concatenate("Features", nameof(IrisData.SepalLength), nameof(IrisData.SepalWidth),
                nameof(IrisData.PetalLength), nameof(IrisData.PetalWidth)))
            .AppendCacheCheckpoint(mlContext);

        // STEP 3: the trainer (ArcFace in place of SdcaMaximumEntropy), then the key back to the species number.
        var trainer = run.Trainer(mlContext, "KeyColumn", "Features", defaultEpochs: 100);
        var trainingPipeline = dataProcessPipeline.Append(trainer)
            .Append(mlContext.Transforms.Conversion.MapKeyToValue(outputColumnName: nameof(IrisData.Label), inputColumnName: "KeyColumn"));

        // STEP 4: train, STEP 5: evaluate on the test rows.
        var (trainedModel, time) = SampleRun.Fit(trainingPipeline, trainingDataView);
        var predictions = trainedModel.Transform(testDataView);
        var metrics = mlContext.MulticlassClassification.Evaluate(predictions, "KeyColumn", "Score");
        string summary = run.Report("iris", metrics, time, Rows(trainingDataView), Rows(testDataView), 4);

        // STEP 6: save, reload, and predict some test rows with the reloaded model.
        string modelPath = run.ModelPath("iris");
        mlContext.Model.Save(trainedModel, trainingDataView.Schema, modelPath);
        var loaded = mlContext.Model.Load(modelPath, out _);
        var predEngine = mlContext.Model.CreatePredictionEngine<IrisData, IrisPrediction>(loaded);
        Console.WriteLine($"saved {modelPath}; predictions of the reloaded model:");
        foreach (var iris in mlContext.Data.CreateEnumerable<IrisData>(testDataView, reuseRowObject: false).Take(3))
        {
            var p = predEngine.Predict(iris);
            Console.WriteLine($"  actual {Species[(int)iris.Label],-10}  scores: {string.Join("  ", Species.Select((s, i) => $"{s} {p.Score[i]:0.####}"))}");
        }
        Console.WriteLine(summary);
    }

    private static int Rows(IDataView data) => data.GetColumn<float>(nameof(IrisData.Label)).Count();

    /// <summary>One row of iris.csv.</summary>
    public sealed class IrisData
    {
        [LoadColumn(0)] public float SepalLength { get; set; }

        [LoadColumn(1)] public float SepalWidth { get; set; }

        [LoadColumn(2)] public float PetalLength { get; set; }

        [LoadColumn(3)] public float PetalWidth { get; set; }

        [LoadColumn(4)] public float Label { get; set; }
    }

    /// <summary>The sample's prediction: the class probabilities in key order (species 0, 1, 2).</summary>
    public sealed class IrisPrediction
    {
        public float[] Score { get; set; } = [];
    }
}

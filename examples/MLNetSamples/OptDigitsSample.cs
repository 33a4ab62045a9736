using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace MLNetSamples;

/// <summary>
/// ML.NET's MulticlassClassification_MNIST sample: 64 pixel columns (8×8 blocks, counts 0–16) and the digit, keyed by
/// value, the trainer, and the key mapped back to the digit. Data: UCI optdigits' 1,797-row set (the sample's
/// optdigits-val.csv; Data/optdigits.csv), split 80/20 because the sample's 3,823-row training file is not shipped here.
/// </summary>
internal static class OptDigitsSample
{
    /// <summary>Trains, evaluates, saves, reloads and predicts.</summary>
    public static void Run(SampleRun run)
    {
        var mlContext = new MLContext(seed: run.Seed);

        // STEP 1: data loading, as the sample: columns 0–63 the pixels, column 64 the digit.
        var fullData = mlContext.Data.LoadFromTextFile(path: SampleRun.DataFile("optdigits.csv"),
            columns:
            [
                new TextLoader.Column(nameof(InputData.PixelValues), DataKind.Single, 0, 63),
                new TextLoader.Column("Number", DataKind.Single, 64),
            ],
            hasHeader: false,
            separatorChar: ',');
        var split = mlContext.Data.TrainTestSplit(fullData, testFraction: 0.2, seed: run.Seed);

        // STEP 2: the sample's data processing.
        var dataProcessPipeline = mlContext.Transforms.Conversion.MapValueToKey("Label", "Number", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Append(mlContext.Transforms.Concatenate("Features", nameof(InputData.PixelValues)).AppendCacheCheckpoint(mlContext));

        // STEP 3: the trainer (ArcFace in place of SdcaMaximumEntropy), then the key back to the digit.
        var trainer = run.Trainer(mlContext, "Label", "Features", defaultEpochs: 30);
        var trainingPipeline = dataProcessPipeline.Append(trainer).Append(mlContext.Transforms.Conversion.MapKeyToValue("Number", "Label"));

        // STEP 4: train and evaluate on the test rows.
        var (trainedModel, time) = SampleRun.Fit(trainingPipeline, split.TrainSet);
        var predictions = trainedModel.Transform(split.TestSet);
        var metrics = mlContext.MulticlassClassification.Evaluate(data: predictions, labelColumnName: "Label", scoreColumnName: "Score");
        string summary = run.Report("optdigits", metrics, time, Rows(split.TrainSet), Rows(split.TestSet), 64);

        // STEP 5: save, reload, and predict some test digits with the reloaded model.
        string modelPath = run.ModelPath("optdigits");
        mlContext.Model.Save(trainedModel, split.TrainSet.Schema, modelPath);
        var loaded = mlContext.Model.Load(modelPath, out _);
        var predEngine = mlContext.Model.CreatePredictionEngine<InputData, OutputData>(loaded);
        Console.WriteLine($"saved {modelPath}; predictions of the reloaded model:");
        foreach (var digit in mlContext.Data.CreateEnumerable<InputData>(split.TestSet, reuseRowObject: false).Take(3))
        {
            var p = predEngine.Predict(digit);
            int best = Array.IndexOf(p.Score, p.Score.Max());
            Console.WriteLine($"  actual {digit.Number}: predicted {best} with probability {p.Score[best]:0.####}");
        }
        Console.WriteLine(summary);
    }

    private static int Rows(IDataView data) => data.GetColumn<float>("Number").Count();

    /// <summary>One row of optdigits.csv.</summary>
    public sealed class InputData
    {
        [ColumnName("PixelValues"), VectorType(64)] public float[] PixelValues { get; set; } = [];

        public float Number { get; set; }
    }

    /// <summary>The sample's prediction: the probabilities of the digits 0–9 (keys by value).</summary>
    public sealed class OutputData
    {
        [ColumnName("Score")] public float[] Score { get; set; } = [];
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetSamples;

/// <summary>
/// ML.NET's GitHubLabeler sample: the area label keyed, FeaturizeText on the title and on the description, both
/// concatenated into Features (a sparse vector of tens of thousands of n-gram slots), the trainer, and PredictedLabel
/// mapped back to the area's name. The sample's corefx issues are not shipped here; its stand-in has the same columns
/// (ID, Area, Title, Description): 1,979 desktop applications of Debian 12, their AppStream summary as the title and
/// description as the body, labelled by their freedesktop main category (Data/app-descriptions.tsv).
/// <para>
/// ArcFace trains on the sparse Features as they are (compressed rows into the MLP's first layer); the saved model
/// takes the text and featurizes it again, and its ONNX graph gets each row's vector densified by ML.NET.
/// </para>
/// </summary>
internal static class GitHubIssuesSample
{
    /// <summary>Trains, evaluates, saves, reloads and predicts.</summary>
    public static void Run(SampleRun run)
    {
        var mlContext = new MLContext(seed: run.Seed);

        // STEP 1: data loading, as the sample.
        var fullData = mlContext.Data.LoadFromTextFile<GitHubIssue>(SampleRun.DataFile("app-descriptions.tsv"), hasHeader: true, separatorChar: '\t', allowSparse: false);
        var split = mlContext.Data.TrainTestSplit(fullData, testFraction: 0.2, seed: run.Seed);
        var trainingDataView = split.TrainSet;

        // STEP 2: the sample's data processing.
        var dataProcessPipeline = mlContext.Transforms.Conversion.MapValueToKey(outputColumnName: "Label", inputColumnName: nameof(GitHubIssue.Area))
            .Append(mlContext.Transforms.Text.FeaturizeText(outputColumnName: "TitleFeaturized", inputColumnName: nameof(GitHubIssue.Title)))
            .Append(mlContext.Transforms.Text.FeaturizeText(outputColumnName: "DescriptionFeaturized", inputColumnName: nameof(GitHubIssue.Description)))
            .Append(mlContext.Transforms.Concatenate(outputColumnName: "Features", "TitleFeaturized", "DescriptionFeaturized"))
            .AppendCacheCheckpoint(mlContext);

        // STEP 3: the trainer (ArcFace with the catalog's defaults in place of SdcaMaximumEntropy), and the label back.
        var trainer = run.Trainer(mlContext, "Label", "Features", defaultEpochs: 10);
        var trainingPipeline = dataProcessPipeline.Append(trainer)
            .Append(mlContext.Transforms.Conversion.MapKeyToValue("PredictedLabel"));

        // STEP 4: train and evaluate on the test rows (the sample cross-validates instead; one split keeps the figures comparable).
        var (trainedModel, time) = SampleRun.Fit(trainingPipeline, trainingDataView);
        var metrics = mlContext.MulticlassClassification.Evaluate(trainedModel.Transform(split.TestSet), "Label", "Score");
        var features = (VectorDataViewType)trainedModel.Transform(split.TestSet).Schema["Features"].Type;
        Console.WriteLine($"Features: {features.Size:N0} slots, {StoredShare(trainedModel.Transform(split.TestSet)):P2} of them stored per row on average");
        string summary = run.Report("issues", metrics, time, Rows(trainingDataView), Rows(split.TestSet), features.Size);

        // STEP 5: save, reload, evaluate the reloaded model and label one new "issue" with it.
        string modelPath = run.ModelPath("issues");
        mlContext.Model.Save(trainedModel, trainingDataView.Schema, modelPath);
        var loaded = mlContext.Model.Load(modelPath, out _);
        var reloaded = mlContext.MulticlassClassification.Evaluate(loaded.Transform(split.TestSet), "Label", "Score");
        Console.WriteLine($"saved {modelPath}; the reloaded model's MicroAccuracy: {reloaded.MicroAccuracy:F4}");
        var predEngine = mlContext.Model.CreatePredictionEngine<GitHubIssue, GitHubIssuePrediction>(loaded);
        var issue = new GitHubIssue
        {
            ID = "Any-ID",
            Title = "Starfighter: fast-paced space shooter",
            Description = "Pilot your ship through waves of alien invaders, collect power-ups and defeat the boss at the end of each level. Play alone or with a friend.",
        };
        Console.WriteLine($"'{issue.Title}' → {predEngine.Predict(issue).Area}");
        Console.WriteLine(summary);
    }

    /// <summary>The share of the Features vectors' slots that are stored (non-zero), over all rows.</summary>
    private static double StoredShare(IDataView data)
    {
        var column = data.Schema["Features"];
        using var cursor = data.GetRowCursor([column]);
        var get = cursor.GetGetter<VBuffer<float>>(column);
        var value = default(VBuffer<float>);
        long stored = 0, slots = 0;
        while (cursor.MoveNext())
        {
            get(ref value);
            foreach (float v in value.GetValues()) if (v != 0) stored++;
            slots += value.Length;
        }
        return slots == 0 ? 0 : (double)stored / slots;
    }

    private static int Rows(IDataView data) => data.GetColumn<ReadOnlyMemory<char>>(nameof(GitHubIssue.ID)).Count();

    /// <summary>One row of app-descriptions.tsv, in the sample's GitHubIssue columns.</summary>
    public sealed class GitHubIssue
    {
        [LoadColumn(0)] public string ID { get; set; } = "";

        [LoadColumn(1)] public string Area { get; set; } = "";

        [LoadColumn(2)] public string Title { get; set; } = "";

        [LoadColumn(3)] public string Description { get; set; } = "";
    }

    /// <summary>The sample's prediction: the area's name.</summary>
    public sealed class GitHubIssuePrediction
    {
        [ColumnName("PredictedLabel")] public string Area { get; set; } = "";
    }
}

using System.Text.Json;
using Microsoft.ML;

namespace MLNetMarginLoss.Tests.Cli;

/// <summary>
/// The command line's many-class surface: <c>train --sample-rate --sampled-centre-updates --embedding-model</c>, and
/// <c>bench --classes</c> with its throughput, memory, save-time and held-out accuracy report.
/// </summary>
[TestClass]
public sealed class CliManyClassTests
{
    private static string TempPath(string name) => Path.Combine(Path.GetTempPath(), $"mlnet-margin-cli-many-{Guid.NewGuid():N}-{name}");

    [TestMethod]
    public void TrainWithPartialFcSavesAnEmbeddingModelOnRequest()
    {
        string model = TempPath("model.zip");
        try
        {
            var r = CliRunner.Run("train", "--data", "fashion-mnist", "--limit", "2000", "--epochs", "2", "--embedding-size", "16",
                "--sample-rate", "0.5", "--sampled-centre-updates", "dense", "--embedding-model", "--out", model, "--json");
            Assert.AreEqual(0, r.ExitCode, r.StdErr);
            StringAssert.Contains(r.StdErr, "saving an embedding model (the Embedding column only) because --embedding-model asks for it");
            using var json = JsonDocument.Parse(r.OutLines[^1]);
            Assert.IsTrue(json.RootElement.GetProperty("embeddingModel").GetBoolean());
            Assert.IsFalse(json.RootElement.GetProperty("trainingFailed").GetBoolean());
            Assert.IsGreaterThan(0.6, json.RootElement.GetProperty("knnAccuracy").GetDouble(), "k-NN on the embeddings stands in for the classifier");

            var ml = new MLContext(0);
            using var loaded = (IDisposable)ml.Model.Load(model, out var input);
            var output = ((ITransformer)loaded).GetOutputSchema(input!);
            Assert.IsNotNull(output.GetColumnOrNull("Embedding"));
            Assert.IsNull(output.GetColumnOrNull("Score"), "an embedding model has no Score");
            Assert.IsNull(output.GetColumnOrNull("PredictedLabel"));
        }
        finally
        {
            File.Delete(model);
            File.Delete(Path.ChangeExtension(model, null) + "-training.png");
        }
    }

    [TestMethod]
    public void UnknownSampledCentreUpdatesAndRatesOutOfRangeAreRefused()
    {
        var updates = CliRunner.Run("train", "--data", "fashion-mnist", "--sampled-centre-updates", "sometimes");
        Assert.AreNotEqual(0, updates.ExitCode);
        StringAssert.Contains(updates.StdErr, "--sampled-centre-updates: expected lazy or dense, found 'sometimes'");
        var rate = CliRunner.Run("train", "--data", "fashion-mnist", "--sample-rate", "1.5");
        Assert.AreNotEqual(0, rate.ExitCode);
        StringAssert.Contains(rate.StdErr, "SampleRate");
    }

    [TestMethod]
    public void BenchReportsManyClassThroughputMemoryAndSaveTime()
    {
        var r = CliRunner.Run("bench", "--classes", "20000", "--samples", "2048", "--embedding-size", "16", "--sample-rate", "0.1", "--save", "--json");
        Assert.AreEqual(0, r.ExitCode, r.StdErr);
        using var json = JsonDocument.Parse(r.OutLines[^1]);
        var root = json.RootElement;
        Assert.AreEqual(20000, root.GetProperty("classes").GetInt32());
        Assert.AreEqual(0.1, root.GetProperty("sampleRate").GetDouble());
        Assert.IsGreaterThan(0.0, root.GetProperty("samplesPerSecond").GetDouble());
        Assert.AreEqual(20000 * 16 * 4 / 1e6, root.GetProperty("centresMB").GetDouble(), 1e-9, "C × E floats");
        Assert.IsGreaterThan(root.GetProperty("centresMB").GetDouble(), root.GetProperty("trainingPeakWorkingSetMB").GetDouble());
        Assert.IsGreaterThan(0.0, root.GetProperty("saveSeconds").GetDouble());
        Assert.IsGreaterThan(root.GetProperty("centresMB").GetDouble(), root.GetProperty("modelMB").GetDouble(), "the saved classifier holds the centres");
    }

    [TestMethod]
    public void BenchMeasuresHeldOutAccuracyPerClass()
    {
        var r = CliRunner.Run("bench", "--classes", "300", "--train-per-class", "6", "--epochs", "8", "--optimizer", "adam",
            "--embedding-size", "32", "--sample-rate", "0.2", "--sampled-centre-updates", "dense", "--json");
        Assert.AreEqual(0, r.ExitCode, r.StdErr);
        using var json = JsonDocument.Parse(r.OutLines[^1]);
        var root = json.RootElement;
        Assert.AreEqual(300 * 6, root.GetProperty("samples").GetInt32(), "k training rows per class");
        Assert.AreEqual("dense", root.GetProperty("sampledCentreUpdates").GetString());
        Assert.IsGreaterThan(0.5, root.GetProperty("heldOutAccuracy").GetDouble(), "one held-out row per class, chance 1/300");
    }
}

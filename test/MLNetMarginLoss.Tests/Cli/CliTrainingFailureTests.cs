using System.Text.Json;
using MLNetMarginLoss.Cli;

namespace MLNetMarginLoss.Tests.Cli;

/// <summary>
/// Training that fails does not pass silently, and the command line speaks in its own flags: a run that learned
/// nothing ends with a warning (and "trainingFailed" in the JSON line), a run that diverged stops with an error, and
/// both — like every option error — name --learning-rate, --softmax-warmup, --epochs…, never the C# option names.
/// </summary>
[TestClass]
public sealed class CliTrainingFailureTests
{
    private static readonly string[] CSharpOptionNames = ["MaxEpoch", "SoftmaxWarmupEpochs", "LearningRate", "BatchSize", "EarlyStoppingPatience", "EmbeddingSize", "(Parameter"];

    private string _root = "";

    [TestInitialize]
    public void CreateRoot() => _root = Directory.CreateTempSubdirectory("mlnet-margin-cli-failure-").FullName;

    [TestCleanup]
    public void RemoveRoot() => Directory.Delete(_root, recursive: true);

    private string Model => Path.Combine(_root, "model.zip");

    [TestMethod]
    public void ARunThatLearnedNothingWarnsWithTheFlagsToChange()
    {
        // Adam at a learning rate of 10,000: the run finishes, at chance level.
        var r = CliRunner.Run("train", "--data", "fashion-mnist", "--limit", "1000", "--epochs", "1", "--learning-rate", "10000", "--out", Model, "--json");
        Assert.AreEqual(0, r.ExitCode, r.StdErr);
        var warning = r.ErrLines.SingleOrDefault(l => l.StartsWith("warning: training failed", StringComparison.Ordinal));
        Assert.IsNotNull(warning, r.StdErr);
        StringAssert.Contains(warning, "--learning-rate 10000 is far above the usual 0.001 for adam");
        using var json = JsonDocument.Parse(r.OutLines[^1]);
        Assert.IsTrue(json.RootElement.GetProperty("trainingFailed").GetBoolean());
        double accuracy = json.RootElement.GetProperty("accuracy").GetDouble(), chance = json.RootElement.GetProperty("chanceAccuracy").GetDouble();
        Assert.IsLessThan(TrainingFailure.Threshold(chance), accuracy, "the criterion the warning states");
        StringAssert.StartsWith(json.RootElement.GetProperty("warning").GetString(), "training failed");
    }

    [TestMethod]
    public void ARunThatLearnedIsNotFlagged()
    {
        var r = CliRunner.Run("train", "--data", "fashion-mnist", "--limit", "1000", "--epochs", "1", "--embedding-size", "32", "--out", Model, "--json");
        Assert.AreEqual(0, r.ExitCode, r.StdErr);
        Assert.DoesNotContain("warning: training failed", r.StdErr);
        using var json = JsonDocument.Parse(r.OutLines[^1]);
        Assert.IsFalse(json.RootElement.GetProperty("trainingFailed").GetBoolean());
        Assert.IsFalse(json.RootElement.TryGetProperty("warning", out _));
        Assert.IsGreaterThan(TrainingFailure.Threshold(json.RootElement.GetProperty("chanceAccuracy").GetDouble()), json.RootElement.GetProperty("accuracy").GetDouble());
    }

    [TestMethod]
    public void ADivergedRunNamesTheFlagsToChange()
    {
        // A plain softmax head at 1e30: the loss is NaN within the first batches.
        var r = CliRunner.Run("train", "--data", "fashion-mnist", "--limit", "1000", "--epochs", "1", "--head", "softmax", "--learning-rate", "1e30", "--out", Model);
        Assert.AreEqual(1, r.ExitCode, r.StdErr);
        var error = r.ErrLines.Single(l => l.StartsWith("error: ", StringComparison.Ordinal));
        StringAssert.StartsWith(error, "error: Training diverged: the loss is NaN at epoch 1");
        StringAssert.Contains(error, "--learning-rate");
        StringAssert.Contains(error, "--softmax-warmup");
        foreach (var name in CSharpOptionNames) Assert.DoesNotContain(name, error);
        Assert.IsFalse(File.Exists(Model), "a diverged run wrote a model");
    }

    public static IEnumerable<object[]> BadOptions =>
    [
        [new[] { "--epochs", "0" }, "error: --epochs is 0: train for at least one epoch."],
        [new[] { "--batch-size", "1" }, "error: --batch-size: The batch size must be at least 2."],
        [new[] { "--learning-rate", "0" }, "error: --learning-rate: The learning rate must be a positive number."],
        [new[] { "--epochs", "3", "--softmax-warmup", "3" }, "error: --softmax-warmup: Softmax warm-up must be shorter than the 3 epochs of training."],
        [new[] { "--embedding-size", "0" }, "error: --embedding-size: The embedding size must be at least 1."],
        [new[] { "--scale", "-1" }, "error: --scale: The arcface head needs a positive finite scale s, got -1."],
        [new[] { "--head", "combined", "--margin", "2" }, "error: --margin: The combined head's m2 must lie in [0, π/2) (radians), got 2."],
    ];

    [TestMethod]
    [DynamicData(nameof(BadOptions))]
    public void OptionErrorsNameTheFlag(string[] options, string expected)
    {
        var r = CliRunner.Run(["train", "--data", "fashion-mnist", .. options]);
        Assert.AreEqual(1, r.ExitCode, r.StdErr);
        Assert.HasCount(1, r.ErrLines, r.StdErr);
        Assert.AreEqual(expected, r.ErrLines[0]);
    }
}

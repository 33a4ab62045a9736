using System.Text.RegularExpressions;

namespace MLNetMarginLoss.Tests.Cli;

/// <summary>
/// What train says while it runs: each epoch's accuracy is the inference logits' (no margin; the margin logits' in
/// brackets, near 0 while a large margin is not met), and a run that finds a checkpoint says it resumes, and where.
/// </summary>
[TestClass]
public sealed class CliProgressTests
{
    private static string TempPath(string name) => Path.Combine(Path.GetTempPath(), $"mlnet-margin-cli-progress-{Guid.NewGuid():N}-{name}");

    private static CliRunner.Result Train(string checkpoints, string model, int epochs, string margin) => CliRunner.Run("train",
        "--data", "fashion-mnist", "--limit", "2000", "--encoder", "mlp", "--embedding-size", "16", "--epochs", epochs.ToString(),
        "--batch-size", "100", "--scale", "30", "--margin", margin, "--checkpoint-dir", checkpoints, "--out", model);

    [TestMethod]
    public void EpochLinesShowTheInferenceAccuracyAndAResumedRunSaysWhereItResumes()
    {
        string checkpoints = TempPath("checkpoints"), model = TempPath("model.zip");
        try
        {
            // A large margin: the margin logits are rarely right, the inference logits are.
            var first = Train(checkpoints, model, epochs: 2, margin: "0.8");
            Assert.AreEqual(0, first.ExitCode, first.StdErr);
            Assert.IsFalse(first.StdErr.Contains("resuming"), "a fresh run does not resume");
            var line = Regex.Match(first.StdErr, @"epoch 2/2: train loss [0-9.]+ acc ([0-9.]+) ?% \(with margin ([0-9.]+) ?%\)");
            Assert.IsTrue(line.Success, first.StdErr);
            double plain = double.Parse(line.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            double withMargin = double.Parse(line.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.IsGreaterThan(40.0, plain, "the model predicts");
            Assert.IsLessThan(plain, withMargin, "the margin logits' accuracy is the lower one, and labelled");

            var resumed = Train(checkpoints, model, epochs: 3, margin: "0.8");
            Assert.AreEqual(0, resumed.ExitCode, resumed.StdErr);
            StringAssert.Contains(resumed.StdErr, "resuming from the checkpoint at epoch 3/3 (epochs 1–2 are in it)");
            Assert.IsFalse(resumed.StdErr.Contains("epoch 1/3:"), "epochs in the checkpoint are not trained again");
            StringAssert.Contains(resumed.StdErr, "epoch 3/3:");
        }
        finally
        {
            if (Directory.Exists(checkpoints)) Directory.Delete(checkpoints, recursive: true);
            File.Delete(model);
        }
    }
}

using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Tests.Training;
using MLNetMarginLoss.Training;

namespace MLNetMarginLoss.Tests.Cli;

/// <summary>The command-line contract (DESIGN §8): JSON last line, clean one-line errors, non-zero exit codes.</summary>
[TestClass]
public sealed class CliTests
{
    private static string TempPath(string name) => Path.Combine(Path.GetTempPath(), $"mlnet-margin-cli-{Guid.NewGuid():N}-{name}");

    [TestMethod]
    public void TrainPrintsMetricsSavesAModelAndEndsWithJson()
    {
        string model = TempPath("model.zip");
        try
        {
            var r = CliRunner.Run("train", "--data", "fashion-mnist", "--limit", "2000", "--validation", "fashion-mnist:test",
                "--encoder", "mlp", "--embedding-size", "32", "--epochs", "2", "--batch-size", "64", "--scale", "16", "--margin", "0.3", "--out", model, "--json");
            Assert.AreEqual(0, r.ExitCode, r.StdErr);
            using var json = JsonDocument.Parse(r.OutLines[^1]);
            double accuracy = json.RootElement.GetProperty("accuracy").GetDouble();
            Assert.IsGreaterThan(0.6, accuracy);
            Assert.IsTrue(json.RootElement.TryGetProperty("knnAccuracy", out _));
            Assert.IsTrue(json.RootElement.GetProperty("samplesPerSecond").GetDouble() > 0);
            Assert.IsTrue(File.Exists(model));
            StringAssert.Contains(r.StdOut, "precision    recall  f1-score   support");

            var e = CliRunner.Run("evaluate", "--model", model, "--data", "fashion-mnist:test", "--limit", "500", "--knn", "5", "--pairs", "1000", "--json");
            Assert.AreEqual(0, e.ExitCode, e.StdErr);
            using var ej = JsonDocument.Parse(e.OutLines[^1]);
            foreach (var key in new[] { "accuracy", "macroAccuracy", "logLoss", "knnAccuracy", "precisionAt1", "mapAtR", "auc", "eer", "verificationAccuracy" })
                Assert.IsTrue(ej.RootElement.TryGetProperty(key, out _), $"missing {key}");
        }
        finally
        {
            File.Delete(model);
        }
    }

    [TestMethod]
    public void ReloadedModelGivesBitIdenticalEmbeddingsInAnotherProcess()
    {
        string model = TempPath("model.zip"), csv = TempPath("emb.csv");
        try
        {
            var trained = new ArcFaceTrainer(TestModels.SmallMlp(epochs: 1)).Fit(FashionMnist.Train(800));
            TestModels.Save(trained, model);
            var data = FashionMnist.Test(50);
            var ml = new MLContext(0);
            var view = MLNet.TestDataViews.FromDataset(ml, data);
            var inProcess = ml.Transforms.ExtractEmbeddings(trained).Fit(view).Transform(view).GetColumn<float[]>("Embedding").ToArray();

            var r = CliRunner.Run("embed", "--model", model, "--data", "fashion-mnist:test", "--limit", "50", "--out", csv);
            Assert.AreEqual(0, r.ExitCode, r.StdErr);
            var lines = File.ReadAllLines(csv);
            Assert.AreEqual(51, lines.Length);
            StringAssert.StartsWith(lines[0], "Label,e0,e1");
            for (int i = 0; i < 50; i++)
            {
                var fields = lines[i + 1].Split(',');
                Assert.AreEqual(data.ClassNames[data.Labels![i]], fields[0]);
                var values = fields.Skip(1).Select(f => float.Parse(f, CultureInfo.InvariantCulture)).ToArray();
                CollectionAssert.AreEqual(inProcess[i], values, $"row {i} differs");
            }
        }
        finally
        {
            File.Delete(model);
            File.Delete(csv);
        }
    }

    [TestMethod]
    public void BadInputGivesOneClearLineAndNonZeroExit()
    {
        string csv = TempPath("bad.csv");
        string model = TempPath("out.zip");
        try
        {
            File.WriteAllText(csv, "Label,a,b\ncat,1,2\ndog,3,oops\n");
            var r = CliRunner.Run("train", "--data", csv, "--out", model);
            Assert.AreNotEqual(0, r.ExitCode);
            Assert.HasCount(1, r.ErrLines, r.StdErr);
            StringAssert.Contains(r.ErrLines[0], "error: ");
            StringAssert.Contains(r.ErrLines[0], "oops");
            Assert.IsFalse(r.StdErr.Contains("   at "), "a stack trace was printed");
            Assert.IsFalse(File.Exists(model), "a model was written for rejected input");

            var missing = CliRunner.Run("evaluate", "--model", TempPath("nope.zip"), "--data", "fashion-mnist:test");
            Assert.AreNotEqual(0, missing.ExitCode);
            Assert.HasCount(1, missing.ErrLines, missing.StdErr);

            File.WriteAllText(model, "this is not a zip file");
            var corrupt = CliRunner.Run("evaluate", "--model", model, "--data", "fashion-mnist:test");
            Assert.AreNotEqual(0, corrupt.ExitCode);
            Assert.HasCount(1, corrupt.ErrLines, corrupt.StdErr);
            StringAssert.Contains(corrupt.ErrLines[0], Path.GetFileName(model));

            var badHead = CliRunner.Run("train", "--data", "fashion-mnist", "--limit", "100", "--head", "nosuchface");
            Assert.AreNotEqual(0, badHead.ExitCode);
            Assert.HasCount(1, badHead.ErrLines, badHead.StdErr);
        }
        finally
        {
            File.Delete(csv);
            File.Delete(model);
        }
    }

    [TestMethod]
    public void BenchReportsThroughputAsJson()
    {
        var r = CliRunner.Run("bench", "--encoder", "mlp", "--samples", "1024", "--batch-size", "256", "--json");
        Assert.AreEqual(0, r.ExitCode, r.StdErr);
        using var json = JsonDocument.Parse(r.OutLines[^1]);
        Assert.IsGreaterThan(0.0, json.RootElement.GetProperty("samplesPerSecond").GetDouble());
        Assert.IsGreaterThan(0.0, json.RootElement.GetProperty("gflops").GetDouble());
        Assert.IsGreaterThan(0.0, json.RootElement.GetProperty("peakWorkingSetMB").GetDouble());
    }

    [TestMethod]
    public void PlotWritesPngFilesAndSvgOnRequest()
    {
        string model = TempPath("model.zip"), dir = TempPath("plots"), svgDir = TempPath("plots-svg");
        try
        {
            var options = TestModels.SmallMlp(epochs: 2);
            options.Encoder = options.Encoder with { EmbeddingSize = 3 };
            new ArcFaceTrainer(options).Fit(FashionMnist.Train(600), FashionMnist.Test(200)).SaveTo(model);
            string[] names = ["embeddings-pca", "embeddings-sphere", "roc", "training"];
            var r = CliRunner.Run("plot", "--model", model, "--data", "fashion-mnist:test", "--limit", "300", "--out", dir, "--pairs", "500");
            Assert.AreEqual(0, r.ExitCode, r.StdErr);
            foreach (var f in names)
            {
                var png = File.ReadAllBytes(Path.Combine(dir, f + ".png"));
                CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4], f);
                Assert.AreEqual(800, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), f);
                Assert.AreEqual(600, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)), f);
            }
            r = CliRunner.Run("plot", "--model", model, "--data", "fashion-mnist:test", "--limit", "300", "--out", svgDir, "--pairs", "500", "--svg");
            Assert.AreEqual(0, r.ExitCode, r.StdErr);
            foreach (var f in names)
            {
                var doc = System.Xml.Linq.XDocument.Load(Path.Combine(svgDir, f + ".svg"));
                Assert.AreEqual("svg", doc.Root!.Name.LocalName, f);
            }
        }
        finally
        {
            File.Delete(model);
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
            if (Directory.Exists(svgDir)) Directory.Delete(svgDir, true);
        }
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Tests.Cli;
using MLNetMarginLoss.Tests.Training;

namespace MLNetMarginLoss.Tests.MLNet;

/// <summary>
/// ML.NET's OnnxTransformer reads its graph from a file: each transformer of this library keeps one temporary copy
/// in the process's own folder while it lives, deletes it when disposed, and the folder goes when the process exits;
/// the command-line tool, which also loads models through ML.NET, leaves nothing behind.
/// </summary>
[TestClass]
public sealed class TemporaryFileTests
{
    [TestMethod]
    public void EachTransformerKeepsOneCopyOfItsGraphUntilItIsDisposed()
    {
        var ml = new MLContext(0);
        var train = FashionMnist.Train(600);
        var model = new ArcFaceTrainer(TestModels.SmallMlp(epochs: 1)).Fit(train);
        var view = ml.ToView(FashionMnist.Test(50), withLabel: false);
        var pipeline = ml.Transforms.ExtractEmbeddings(model).Append(ml.MulticlassClassification.Trainers.KnnClassifier(model)).Fit(view);
        var embedder = pipeline.First() as EmbeddingTransformer;
        var knn = pipeline.LastTransformer;
        Assert.IsNotNull(embedder);
        string[] files = [model.OnnxFilePath, embedder.OnnxFilePath, knn.OnnxFilePath!];

        string folder = Path.Combine(Path.GetTempPath(), $"mlnet-margin-{Environment.ProcessId}");
        foreach (var file in files)
        {
            Assert.IsTrue(File.Exists(file), file);
            Assert.AreEqual(Path.GetFullPath(folder), Path.GetDirectoryName(Path.GetFullPath(file)), "copies live in the process's own folder");
        }
        Assert.HasCount(3, files.Distinct(), "one copy per transformer");

        // Saving reads the copy back; after disposal the copies are gone and the saved model still works.
        string zip = Path.Combine(Path.GetTempPath(), $"mlnet-margin-temp-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(pipeline, view.Schema, zip);
            var before = pipeline.Transform(view).GetColumn<uint>("PredictedLabel").ToArray();
            pipeline.Dispose();
            model.Dispose();
            foreach (var file in files) Assert.IsFalse(File.Exists(file), $"{file} outlived its transformer");
            using var loaded = (IDisposable)ml.Model.Load(zip, out _);
            CollectionAssert.AreEqual(before, ((ITransformer)loaded).Transform(view).GetColumn<uint>("PredictedLabel").ToArray());
        }
        finally
        {
            File.Delete(zip);
        }
    }

    [TestMethod]
    public void TrainAndEvaluateLeaveNoTemporaryFiles()
    {
        string temp = Path.Combine(Path.GetTempPath(), $"mlnet-margin-tmpdir-{Guid.NewGuid():N}");
        string output = Path.Combine(Path.GetTempPath(), $"mlnet-margin-temp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temp);
        try
        {
            var environment = new Dictionary<string, string> { ["TMPDIR"] = temp + Path.DirectorySeparatorChar };
            string model = Path.Combine(output, "model.zip");
            var train = CliRunner.RunWith(environment, "train", "--data", "fashion-mnist", "--limit", "600", "--epochs", "1", "--embedding-size", "16", "--out", model);
            Assert.AreEqual(0, train.ExitCode, train.StdErr);
            var evaluate = CliRunner.RunWith(environment, "evaluate", "--model", model, "--data", "fashion-mnist:test", "--limit", "200");
            Assert.AreEqual(0, evaluate.ExitCode, evaluate.StdErr);
            var embed = CliRunner.RunWith(environment, "embed", "--model", model, "--data", "fashion-mnist:test", "--limit", "50", "--flip-tta", "--out", Path.Combine(output, "e.csv"));
            Assert.AreEqual(0, embed.ExitCode, embed.StdErr);

            // Hidden files are the runtime's own (e.g. a session marker); graph copies would be visible, and large.
            var left = Directory.EnumerateFileSystemEntries(temp, "*", SearchOption.AllDirectories)
                .Where(p => !Path.GetFileName(p).StartsWith('.')).ToArray();
            Assert.IsEmpty(left, "left in the temporary folder: " + string.Join(", ", left.Select(p => $"{Path.GetRelativePath(temp, p)} ({(File.Exists(p) ? new FileInfo(p).Length : 0)} bytes)")));
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
            if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        }
    }
}

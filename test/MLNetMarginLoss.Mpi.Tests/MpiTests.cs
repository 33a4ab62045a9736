using System.Text.Json;
using MLNetMarginLoss.Mpi.TestHost;
using MLNetMarginLoss.MpiBackend;

namespace MLNetMarginLoss.Mpi.Tests;

/// <summary>
/// The MPI implementation for real: the test host (or the command-line tool) started by MPICH's <c>mpiexec</c> as
/// separate processes talking over loopback. Every job sets a short collective timeout, so a failure ends the job
/// rather than the test run.
/// </summary>
[TestClass]
public sealed class MpiTests
{
    [TestMethod]
    public void CollectivesGiveTheExpectedResultsAcrossProcesses()
    {
        var r = Mpiexec.Run(2, Mpiexec.TestHost, ["collectives"]);
        Assert.AreEqual(0, r.ExitCode, r.ToString());
        StringAssert.Contains(r.Out[0], "rank 0: collectives ok");
        StringAssert.Contains(r.Out[1], "rank 1: collectives ok");
    }

    [TestMethod]
    [DataRow("mlp")]
    [DataRow("cnn")]
    public void TwoMpiProcessesOfBatchBTrainAsOneProcessOfBatch2B(string encoder)
    {
        var job = new TestJob { Encoder = encoder };
        var (losses, weights, _) = Train(job, 2);
        var single = job.Train(null);
        Assert.AreEqual(single.Losses.Count, losses.Length);
        for (int i = 0; i < losses.Length; i++)
            Assert.AreEqual(single.Losses[i], losses[i], Math.Abs(single.Losses[i]) * DataParallelTests.LossTolerance, $"loss of step {i + 1}");
        DataParallelTests.AssertClose(TestJob.Weights(single.Network), weights, DataParallelTests.WeightTolerance, "final weights");
    }

    [TestMethod]
    public void ClassShardedPartialFcOnMpiIsBitIdenticalToTheInProcessWorld()
    {
        var job = new TestJob { Classes = 40, SampleRate = 0.25, Epochs = 2 };
        var (losses, weights, description) = Train(job, 2);
        var inProcess = new LoopbackWorld(2).Run(c => job.Train(c))[0];
        CollectionAssert.AreEqual(inProcess.Losses.ToArray(), losses);
        CollectionAssert.AreEqual(TestJob.Weights(inProcess.Network), weights);
        StringAssert.StartsWith(description["communicator"], "mpi, 2 processes (MPICH");
    }

    [TestMethod]
    public void ProcessesStartedWithDifferentOptionsStopWithTheOptionNamed()
    {
        var r = Mpiexec.Run(2, Mpiexec.TestHost, ["train", "--timeout", "60", .. new TestJob().ToArguments(), "--rank1", "learningrate=0.01"]);
        Assert.AreNotEqual(0, r.ExitCode, r.ToString());
        for (int rank = 0; rank < 2; rank++)
            StringAssert.Contains(r.Err[rank], $"error: rank {rank} of 2: the processes were started with different options or data: rank 1's options.LearningRate differs from rank 0's", r.ToString());
    }

    [TestMethod]
    public void AStoppedProcessIsReportedByEverySurvivorAndItsCheckpointResumes()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"mlnet-margin-mpi-{Guid.NewGuid():N}");
        string output = Path.Combine(directory, "result.json");
        try
        {
            var job = new TestJob { Epochs = 3, CheckpointDirectory = directory };
            var r = Mpiexec.Run(3, Mpiexec.TestHost, ["train", "--timeout", "60", .. job.ToArguments(), "--out", output, "--exit-at", "1:2"], "-disable-auto-cleanup");
            Assert.AreNotEqual(0, r.ExitCode, r.ToString());
            foreach (int survivor in new[] { 0, 2 })
            {
                var lines = r.Err[survivor].Split('\n', StringSplitOptions.RemoveEmptyEntries);
                Assert.HasCount(1, lines, r.ToString());
                StringAssert.StartsWith(lines[0], $"error: rank {survivor} of 3: another process of the MPI job stopped");
                StringAssert.Contains(lines[0], "no model was written, and the last checkpoint, if any, is intact");
            }
            Assert.IsFalse(File.Exists(output), "no result was written");
            Assert.IsTrue(File.Exists(Path.Combine(directory, "checkpoint.zip")));

            var resumed = job.Train(null, processes: 3);
            var uninterrupted = (job with { CheckpointDirectory = null }).Train(null, processes: 3);
            Assert.AreEqual(uninterrupted.Losses.Count * 2 / 3, resumed.Losses.Count, "epochs 2 and 3 ran after the checkpoint of epoch 1");
            DataParallelTests.AssertClose(TestJob.Weights(uninterrupted.Network), TestJob.Weights(resumed.Network), DataParallelTests.WeightTolerance, "weights after resuming");
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    [TestMethod]
    public void AProcessThatStopsAnsweringIsReportedAfterTheTimeout()
    {
        var r = Mpiexec.Run(2, Mpiexec.TestHost, ["train", "--timeout", "3", .. new TestJob().ToArguments(), "--hang-at", "0:2"], "-disable-auto-cleanup");
        Assert.AreNotEqual(0, r.ExitCode, r.ToString());
        StringAssert.StartsWith(r.Err[0].Trim(), "error: rank 0 of 2: no answer from the other processes for", r.ToString());
        StringAssert.Contains(r.Err[0], "a process of the MPI job has stopped or hangs");
        StringAssert.Contains(r.Err[1], "error: rank 1 of 2: another process of the MPI job stopped", r.ToString());
    }

    [TestMethod]
    public void TheCommandLineTrainsOnTwoProcessesAndRankZeroSavesTheModel()
    {
        string model = Path.Combine(Path.GetTempPath(), $"mlnet-margin-mpi-{Guid.NewGuid():N}.zip");
        try
        {
            var r = Mpiexec.Run(2, Mpiexec.Cli, ["train", "--data", "fashion-mnist", "--limit", "2000", "--epochs", "1", "--batch-size", "64",
                "--embedding-size", "32", "--scale", "16", "--margin", "0.3", "--threads", "1", "--distributed", "mpi", "--out", model, "--json"]);
            Assert.AreEqual(0, r.ExitCode, r.ToString());
            using var json = JsonDocument.Parse(r.Out[0].Trim().Split('\n')[^1]);
            Assert.AreEqual(2, json.RootElement.GetProperty("processes").GetInt32());
            Assert.IsGreaterThan(0.5, json.RootElement.GetProperty("accuracy").GetDouble());
            Assert.AreEqual("", r.Out[1].Trim(), "only rank 0 reports");
            var loaded = ArcFaceTransformer.Load(model);
            Assert.AreEqual(10, loaded.ClassNames.Count);
            Assert.AreEqual("2", loaded.Info.TrainingOptions["processes"]);
        }
        finally
        {
            File.Delete(model);
            File.Delete(Path.ChangeExtension(model, null) + "-training.png");
        }
    }

    [TestMethod]
    public void AMissingMpiLibraryIsReportedWithTheFix()
    {
        var error = Assert.Throws<DistributedTrainingException>(() => MpiLibrary.Load("libmpich-absent.so.12"));
        StringAssert.StartsWith(error.Message, "MPI is not installed: the MPI library libmpich-absent.so.12 could not be loaded. Install MPICH (Debian/Ubuntu: apt-get install mpich");
    }

    /// <summary>Runs <paramref name="job"/> on <paramref name="processes"/> MPI processes; rank 0's losses, weights and run description.</summary>
    private static (double[] Losses, float[] Weights, Dictionary<string, string> Description) Train(TestJob job, int processes)
    {
        string output = Path.Combine(Path.GetTempPath(), $"mlnet-margin-mpi-{Guid.NewGuid():N}.json");
        try
        {
            var r = Mpiexec.Run(processes, Mpiexec.TestHost, ["train", "--timeout", "60", .. job.ToArguments(), "--out", output]);
            Assert.AreEqual(0, r.ExitCode, r.ToString());
            using var json = JsonDocument.Parse(File.ReadAllText(output));
            var root = json.RootElement;
            return (root.GetProperty("losses").EnumerateArray().Select(e => e.GetDouble()).ToArray(),
                root.GetProperty("weights").EnumerateArray().Select(e => e.GetSingle()).ToArray(),
                root.GetProperty("description").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!));
        }
        finally
        {
            File.Delete(output);
        }
    }
}

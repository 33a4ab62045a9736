using MLNetMarginLoss.Cli;

namespace MLNetMarginLoss.Tests.Cli;

/// <summary>
/// Where train writes: a second run writing the same --out is refused while the first holds its lock (both files of
/// an output come from one run), a lock left by a dead run blocks nothing, and a missing output folder is created —
/// and removed again when the run fails, so that bad input still writes nothing.
/// </summary>
[TestClass]
public sealed class CliOutputTests
{
    private string _root = "";

    [TestInitialize]
    public void CreateRoot() => _root = Directory.CreateTempSubdirectory("mlnet-margin-cli-out-").FullName;

    [TestCleanup]
    public void RemoveRoot() => Directory.Delete(_root, recursive: true);

    private static readonly string[] SmallRun = ["--data", "fashion-mnist", "--limit", "600", "--epochs", "1", "--embedding-size", "16"];

    [TestMethod]
    public void ASecondRunWritingTheSameOutputIsRefusedAndWritesNothing()
    {
        string model = Path.Combine(_root, "model.zip"), curves = Path.Combine(_root, "model-training.png");
        CliRunner.Result refused;
        // This test process holds the output's lock, as a first run would for its whole length.
        using (var held = OutputLock.Acquire(model))
        {
            Assert.AreEqual(model + ".lock", held.LockPath);
            refused = CliRunner.Run(["train", .. SmallRun, "--out", model]);
            Assert.IsTrue(File.Exists(held.LockPath), "the refused run left the holder's lock file alone");
        }
        Assert.AreEqual(1, refused.ExitCode, refused.StdErr);
        Assert.HasCount(1, refused.ErrLines, refused.StdErr);
        StringAssert.StartsWith(refused.ErrLines[0], $"error: {model}: another run is writing it (it has held model.zip.lock since ");
        StringAssert.Contains(refused.ErrLines[0], "choose another --out");
        Assert.IsFalse(File.Exists(model), "the refused run wrote a model");
        Assert.IsFalse(File.Exists(curves), "the refused run wrote training curves");
        Assert.IsFalse(File.Exists(model + ".lock"), "releasing the lock removes its file");

        // Released: the same command now trains, writes both files and leaves no lock behind.
        var r = CliRunner.Run(["train", .. SmallRun, "--out", model]);
        Assert.AreEqual(0, r.ExitCode, r.StdErr);
        Assert.IsTrue(File.Exists(model));
        Assert.IsTrue(File.Exists(curves));
        Assert.IsFalse(File.Exists(model + ".lock"));
    }

    [TestMethod]
    public void ALockFileLeftByADeadRunBlocksNothing()
    {
        string model = Path.Combine(_root, "model.zip");
        File.WriteAllText(model + ".lock", "mlnet-margin, process 999999 on elsewhere, since 2026-01-01 00:00:00.000\n");
        var r = CliRunner.Run(["train", .. SmallRun, "--out", model]);
        Assert.AreEqual(0, r.ExitCode, r.StdErr);
        Assert.IsTrue(File.Exists(model));
        Assert.IsFalse(File.Exists(model + ".lock"), "the run took the stale lock over and removed it");
    }

    [TestMethod]
    public void AMissingOutputFolderIsCreated()
    {
        string model = Path.Combine(_root, "runs", "today", "model.zip");
        var r = CliRunner.Run(["train", .. SmallRun, "--out", model]);
        Assert.AreEqual(0, r.ExitCode, r.StdErr);
        Assert.IsTrue(File.Exists(model));
        Assert.IsTrue(File.Exists(Path.Combine(_root, "runs", "today", "model-training.png")));
    }

    [TestMethod]
    public void AFailedRunRemovesTheOutputFolderItCreated()
    {
        string csv = Path.Combine(_root, "bad.csv");
        File.WriteAllText(csv, "Label,a,b\ncat,1,2\ndog,3,oops\n");
        var r = CliRunner.Run("train", "--data", csv, "--out", Path.Combine(_root, "runs", "today", "model.zip"));
        Assert.AreEqual(1, r.ExitCode, r.StdErr);
        Assert.HasCount(1, r.ErrLines, r.StdErr);
        StringAssert.Contains(r.ErrLines[0], "oops");
        Assert.IsFalse(Directory.Exists(Path.Combine(_root, "runs")), "bad input left a folder behind");
    }

    [TestMethod]
    public void AnOutputThatCannotBeWrittenIsRefusedBeforeTheDataIsRead()
    {
        string file = Path.Combine(_root, "a-file");
        File.WriteAllText(file, "");
        foreach (var (output, expected) in new[] { (_root, "is a folder"), (Path.Combine(file, "model.zip"), "its folder cannot be created") })
        {
            var r = CliRunner.Run("train", "--data", Path.Combine(_root, "no-such-data.csv"), "--out", output);
            Assert.AreEqual(1, r.ExitCode, r.StdErr);
            Assert.HasCount(1, r.ErrLines, r.StdErr);
            StringAssert.StartsWith(r.ErrLines[0], $"error: {output}: {expected}");
        }
    }
}

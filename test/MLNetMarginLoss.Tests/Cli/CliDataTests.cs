using System.Globalization;
using System.Text;
using System.Text.Json;
using MLNetMarginLoss.Tests.Data;

namespace MLNetMarginLoss.Tests.Cli;

/// <summary>
/// Every way data gets into the command line — IDX, CSV, image folders of PNG and JPEG, the pretrained ResNet-18
/// backbone — trains and evaluates; bad CSV files and bad image folders are refused with one line and no model;
/// and the problems a new user met are gone (options and the output path are checked before the data is read).
/// </summary>
[TestClass]
public sealed class CliDataTests
{
    private static string _root = "";
    private static string _images = "", _csv = "";

    [ClassInitialize]
    public static void WriteData(TestContext _)
    {
        _root = Directory.CreateTempSubdirectory("mlnet-margin-cli-data-").FullName;
        // Three classes of real Fashion-MNIST images, PNG and JPEG mixed.
        _images = Path.Combine(_root, "images");
        FashionMnistImageFiles.Write(_images, new Dictionary<int, string> { [1] = "trouser", [7] = "sneaker", [8] = "bag" }, perClass: 40, jpeg: i => i % 2 == 1);
        // The same kind of rows as CSV: label, then 784 pixel columns.
        var rows = FashionMnist.Train(600);
        var csv = new StringBuilder("Label," + string.Join(",", Enumerable.Range(0, 784).Select(i => "p" + i)) + "\n");
        for (int r = 0; r < rows.Count; r++)
            csv.Append(rows.ClassNames[rows.Labels![r]]).Append(',').AppendJoin(',', rows.Row(r).ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture))).Append('\n');
        _csv = Path.Combine(_root, "train.csv");
        File.WriteAllText(_csv, csv.ToString());
    }

    [ClassCleanup]
    public static void Remove() => Directory.Delete(_root, recursive: true);

    private static string Model(string name) => Path.Combine(_root, name + ".zip");

    private static JsonElement LastJson(CliRunner.Result r)
    {
        Assert.AreEqual(0, r.ExitCode, r.StdErr);
        using var doc = JsonDocument.Parse(r.OutLines[^1]);
        return doc.RootElement.Clone();
    }

    [TestMethod]
    public void IdxTrainsAndEvaluates()
    {
        var train = LastJson(CliRunner.Run("train", "--data", "fashion-mnist", "--limit", "1500", "--epochs", "2", "--embedding-size", "32", "--out", Model("idx"), "--json"));
        Assert.IsGreaterThan(0.6, train.GetProperty("accuracy").GetDouble());
        var eval = LastJson(CliRunner.Run("evaluate", "--model", Model("idx"), "--data", "fashion-mnist:test", "--limit", "500", "--json"));
        Assert.IsGreaterThan(0.6, eval.GetProperty("accuracy").GetDouble());
        Assert.AreEqual(500, eval.GetProperty("rows").GetInt32());
    }

    [TestMethod]
    public void CsvTrainsAndEvaluates()
    {
        var train = LastJson(CliRunner.Run("train", "--data", _csv, "--epochs", "3", "--embedding-size", "32", "--batch-size", "64", "--out", Model("csv"), "--json"));
        Assert.AreEqual(600, train.GetProperty("rows").GetInt32());
        Assert.IsGreaterThan(0.5, train.GetProperty("accuracy").GetDouble());
        var eval = LastJson(CliRunner.Run("evaluate", "--model", Model("csv"), "--data", _csv, "--json"));
        Assert.AreEqual(train.GetProperty("accuracy").GetDouble(), eval.GetProperty("accuracy").GetDouble(), 1e-9, "the saved model scores as the trained one");
    }

    [TestMethod]
    public void ImageFolderOfPngAndJpegTrainsAndEvaluates()
    {
        var train = LastJson(CliRunner.Run("train", "--data", _images, "--grayscale", "--encoder", "cnn", "--epochs", "3", "--embedding-size", "16", "--batch-size", "32",
            "--scale", "8", "--out", Model("images"), "--json"));
        Assert.IsGreaterThan(0.8, train.GetProperty("accuracy").GetDouble(), "three easy classes");
        var eval = LastJson(CliRunner.Run("evaluate", "--model", Model("images"), "--data", _images, "--grayscale", "--json"));
        Assert.AreEqual(train.GetProperty("accuracy").GetDouble(), eval.GetProperty("accuracy").GetDouble(), 1e-9);
        Assert.AreEqual(120, eval.GetProperty("rows").GetInt32());
    }

    [TestMethod]
    public void PretrainedBackboneTrainsAndEvaluates()
    {
        var train = LastJson(CliRunner.Run("train", "--data", _images, "--backbone", "resnet18", "--epochs", "5", "--embedding-size", "16", "--batch-size", "32",
            "--scale", "8", "--out", Model("backbone"), "--json"));
        Assert.IsGreaterThan(0.8, train.GetProperty("accuracy").GetDouble(), "ImageNet features separate trousers, sneakers and bags");
        var eval = LastJson(CliRunner.Run("evaluate", "--model", Model("backbone"), "--data", _images, "--json"));
        Assert.AreEqual(train.GetProperty("accuracy").GetDouble(), eval.GetProperty("accuracy").GetDouble(), 1e-6);
    }

    public static IEnumerable<object[]> BadCsvFiles =>
    [
        ["ragged", "Label,a,b\ncat,1,2\ndog,3\n", "line 3"],
        ["not a number", "Label,a,b\ncat,1,2\ndog,3,oops\n", "'b'"],
        ["NaN", "Label,a,b\ncat,1,2\ndog,NaN,4\n", "'a'"],
        ["empty", "", "empty"],
        ["header only", "Label,a,b\n", "no data rows"],
        ["one class", "Label,a,b\ncat,1,2\ncat,3,4\n", "2 classes"],
        ["no label column", "Class,a,b\ncat,1,2\ndog,3,4\n", "Label"],
    ];

    [TestMethod]
    [DynamicData(nameof(BadCsvFiles))]
    public void BadCsvIsRefusedWithOneLineAndNoModel(string name, string text, string expected)
    {
        string csv = Path.Combine(_root, name.Replace(' ', '-') + ".csv"), model = Model("bad-" + name.Replace(' ', '-'));
        File.WriteAllText(csv, text);
        var r = CliRunner.Run("train", "--data", csv, "--out", model);
        Assert.AreEqual(1, r.ExitCode, $"{name}: {r.StdErr}");
        Assert.HasCount(1, r.ErrLines, $"{name}: {r.StdErr}");
        StringAssert.StartsWith(r.ErrLines[0], "error: ");
        StringAssert.Contains(r.ErrLines[0], expected, $"{name}: {r.ErrLines[0]}");
        if (name != "one class") StringAssert.Contains(r.ErrLines[0], Path.GetFileName(csv), name);
        Assert.DoesNotContain("(Parameter", r.StdErr);
        Assert.IsFalse(File.Exists(model), $"{name}: a model was written");
    }

    [TestMethod]
    public void BadImageFoldersAreRefusedWithOneLine()
    {
        // A corrupt image among good ones.
        string corrupt = Path.Combine(_root, "corrupt");
        FashionMnistImageFiles.Write(corrupt, new Dictionary<int, string> { [1] = "a", [7] = "b" }, perClass: 3, jpeg: _ => false);
        File.WriteAllBytes(Path.Combine(corrupt, "a", "broken.png"), "not really a PNG"u8.ToArray());
        // A folder whose class folders hold no images.
        string empty = Path.Combine(_root, "empty");
        Directory.CreateDirectory(Path.Combine(empty, "a"));
        Directory.CreateDirectory(Path.Combine(empty, "b"));
        // A folder of images without class folders.
        string flat = Path.Combine(_root, "flat");
        Directory.CreateDirectory(flat);
        File.Copy(Directory.GetFiles(Path.Combine(corrupt, "b"))[0], Path.Combine(flat, "x.png"));

        foreach (var (folder, expected) in new[] { (corrupt, "broken.png"), (empty, "has no images"), (flat, "no class sub-folders") })
        {
            string model = Model("bad-images");
            var r = CliRunner.Run("train", "--data", folder, "--out", model);
            Assert.AreEqual(1, r.ExitCode, r.StdErr);
            Assert.HasCount(1, r.ErrLines.Where(l => l.StartsWith("error: ", StringComparison.Ordinal)).ToArray(), r.StdErr);
            StringAssert.Contains(r.StdErr, expected);
            Assert.IsFalse(r.StdErr.Contains("   at "), "a stack trace was printed");
            Assert.IsFalse(File.Exists(model));
        }
    }

    [TestMethod]
    public void OptionsAndTheOutputPathAreCheckedBeforeAnyDataIsRead()
    {
        // The data does not exist: each error must be about the option, found before the data would be read.
        string nowhere = Path.Combine(_root, "no-such-data.csv");
        foreach (var (args, expected) in new (string[], string)[]
        {
            (["--epochs", "0"], "--epochs is 0"),
            (["--margin", "2.5"], "--margin"),
            (["--out", _root], "is a folder"),
            (["--optimizer", "Adamm"], "adam, adamw, sgd or adadelta"),
        })
        {
            var r = CliRunner.Run(["train", "--data", nowhere, .. args]);
            Assert.AreEqual(1, r.ExitCode, r.StdErr);
            Assert.HasCount(1, r.ErrLines, r.StdErr);
            StringAssert.Contains(r.ErrLines[0], expected);
            Assert.DoesNotContain("no-such-data", r.ErrLines[0], "the data was read first");
            Assert.DoesNotContain("(Parameter", r.ErrLines[0]);
            Assert.DoesNotContain("Actual value was", r.ErrLines[0]);
        }
    }

    [TestMethod]
    public void AValidationLabelUnseenInTrainingIsNamedWithItsFileAndRow()
    {
        string train = Path.Combine(_root, "seen.csv"), valid = Path.Combine(_root, "unseen.csv"), model = Model("unseen");
        File.WriteAllText(train, "Kind,a,b\ncat,1,2\ndog,3,4\ncat,1,3\ndog,3,5\n");
        File.WriteAllText(valid, "Kind,a,b\ncat,1,2\ndog,3,4\nbird,1,3\n");
        var r = CliRunner.Run("train", "--data", train, "--validation", valid, "--label-column", "Kind", "--out", model);
        Assert.AreEqual(1, r.ExitCode, r.StdErr);
        Assert.HasCount(1, r.ErrLines, r.StdErr);
        Assert.AreEqual($"error: {valid}: row 3, column 'Kind': label 'bird' does not occur in the training data ({train}), whose classes are 'cat', 'dog'.", r.ErrLines[0]);
        Assert.IsFalse(File.Exists(model));

        // --limit can leave a class out of the training data: the message says so.
        r = CliRunner.Run("train", "--data", train, "--limit", "1", "--validation", valid, "--label-column", "Kind", "--out", model);
        Assert.AreEqual(1, r.ExitCode, r.StdErr);
        StringAssert.Contains(r.ErrLines[^1], $"row 2, column 'Kind': label 'dog' does not occur in the training data (the first 1 rows of {train}, --limit)");
    }

    [TestMethod]
    public void AValidationImageOfAClassUnseenInTrainingIsNamed()
    {
        string train = Path.Combine(_root, "seen-images"), valid = Path.Combine(_root, "unseen-images");
        FashionMnistImageFiles.Write(train, new Dictionary<int, string> { [1] = "trouser", [7] = "sneaker" }, perClass: 4, jpeg: _ => false);
        var written = FashionMnistImageFiles.Write(valid, new Dictionary<int, string> { [1] = "trouser", [8] = "bag" }, perClass: 2, jpeg: _ => false);
        var r = CliRunner.Run("train", "--data", train, "--validation", valid, "--grayscale", "--out", Model("unseen-images"));
        Assert.AreEqual(1, r.ExitCode, r.StdErr);
        string bag = written.First(w => w.ClassName == "bag").Path;
        Assert.AreEqual($"error: {bag}: its class 'bag' (the folder it is in) does not occur in the training data ({train}), whose classes are 'sneaker', 'trouser'.",
            r.ErrLines.Single(l => l.StartsWith("error: ", StringComparison.Ordinal)));
    }

    [TestMethod]
    public void AnImageFolderReportsWhatItSkipsAndWhatItResizes()
    {
        string folder = Path.Combine(_root, "mixed");
        FashionMnistImageFiles.Write(folder, new Dictionary<int, string> { [1] = "trouser", [7] = "sneaker" }, perClass: 6, jpeg: _ => false);
        // Two larger images, other files in the class folders, a nested folder, and a file beside the class folders.
        var big = FashionMnistImageFiles.Encode(new byte[40 * 32], 40, 32, jpeg: false);
        File.WriteAllBytes(Path.Combine(folder, "trouser", "big1.png"), big);
        File.WriteAllBytes(Path.Combine(folder, "sneaker", "big2.png"), big);
        foreach (var name in new[] { "notes.txt", "labels.csv", "a.json", "b.json", "c.json", "d.json" })
            File.WriteAllText(Path.Combine(folder, "trouser", name), "not an image");
        Directory.CreateDirectory(Path.Combine(folder, "sneaker", "more"));
        File.WriteAllText(Path.Combine(folder, "README.md"), "the data");

        var r = CliRunner.Run("train", "--data", folder, "--grayscale", "--image-size", "24x20", "--epochs", "1", "--embedding-size", "8", "--batch-size", "8",
            "--out", Model("mixed"));
        Assert.AreEqual(0, r.ExitCode, r.StdErr);
        string[] relative = [.. new[] { "a.json", "b.json", "c.json", "d.json", "labels.csv", "notes.txt" }.Select(n => Path.Combine("trouser", n))];
        CollectionAssert.Contains(r.ErrLines, $"warning: {folder}: skipped 6 file(s) without an image extension (.png, .jpg, .jpeg, .bmp, .gif, .webp): {string.Join(", ", relative[..5])}, … and 1 more.", r.StdErr);
        CollectionAssert.Contains(r.ErrLines, $"warning: {folder}: skipped 1 folder(s) inside class folders (only the images directly in a class folder are read): {Path.Combine("sneaker", "more")}.", r.StdErr);
        CollectionAssert.Contains(r.ErrLines, $"warning: {folder}: skipped 1 file(s) beside the class folders (only class folders are read): README.md.", r.StdErr);
        CollectionAssert.Contains(r.ErrLines, $"{folder}: resizing 14 image(s) to 24x20 (--image-size) from 28x28 (12), 40x32 (2); where the aspect ratio differs, the centre is cropped.", r.StdErr);
    }

    [TestMethod]
    public void LowercaseLabelHeaderGetsAHint()
    {
        string csv = Path.Combine(_root, "lower.csv");
        File.WriteAllText(csv, "label,a,b\ncat,1,2\ndog,3,4\n");
        var r = CliRunner.Run("train", "--data", csv);
        Assert.AreEqual(1, r.ExitCode);
        StringAssert.Contains(r.ErrLines[0], "'label'");
    }

    [TestMethod]
    public void HelpForACommandShowsLowercaseChoices()
    {
        var r = CliRunner.Run("help", "train");
        Assert.AreEqual(0, r.ExitCode, r.StdErr);
        StringAssert.Contains(r.StdOut, "--epochs");
        StringAssert.Contains(r.StdOut, "adam | adamw | sgd | adadelta");
        Assert.DoesNotContain("AdamW|", r.StdOut);
        Assert.DoesNotContain("Auto|Managed", r.StdOut);
    }
}

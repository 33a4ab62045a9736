using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Data;

namespace MLNetMarginLoss.Tests.Data;

[TestClass]
public sealed class CsvDataTests
{
    private static string _dir = "";

    [ClassInitialize]
    public static void MakeFolder(TestContext _) => _dir = Directory.CreateTempSubdirectory("csvdata-").FullName;

    [ClassCleanup]
    public static void RemoveFolder() => Directory.Delete(_dir, recursive: true);

    private static string Write(string text, string name = "data.csv")
    {
        string path = Path.Combine(_dir, Guid.NewGuid().ToString("N")[..8] + "-" + name);
        File.WriteAllText(path, text);
        return path;
    }

    private static IDataView Load(string path, string label = "label", char separator = ',') => CsvData.Load(new MLContext(1), path, label, separator);

    /// <summary>The message of the error loading <paramref name="text"/>, with the file name replaced by "data.csv".</summary>
    private static string Error(string text, string label = "label")
    {
        string path = Write(text);
        var ex = Assert.ThrowsExactly<DataFormatException>(() => Load(path, label));
        Assert.AreEqual(path, ex.Source);
        StringAssert.StartsWith(ex.Message, path + ": ");
        Assert.DoesNotContain("\n", ex.Message);
        return "data.csv" + ex.Message[path.Length..];
    }

    [TestMethod]
    public void GoodFileBecomesFeaturesWithSlotNamesAndATextLabel()
    {
        string path = Write("# a comment before the header\nx,label,y, z\n1.5,dog,-2,0\n\n3e-1,\"c,at\",4,1\n// a comment line\n 0 ,dog, 1e2 ,2\n");
        var view = Load(path);
        var type = (VectorDataViewType)view.Schema["Features"].Type;
        Assert.AreEqual(NumberDataViewType.Single, type.ItemType);
        Assert.AreEqual(3, type.Size);
        VBuffer<ReadOnlyMemory<char>> slots = default;
        view.Schema["Features"].GetSlotNames(ref slots);
        CollectionAssert.AreEqual(new[] { "x", "y", "z" }, slots.DenseValues().Select(s => s.ToString()).ToArray());
        Assert.AreEqual(TextDataViewType.Instance, view.Schema["Label"].Type);
        CollectionAssert.AreEqual(new[] { 1.5f, -2f, 0f, 0.3f, 4f, 1f, 0f, 100f, 2f }, view.GetColumn<float[]>("Features").SelectMany(r => r).ToArray());
        CollectionAssert.AreEqual(new[] { "dog", "c,at", "dog" }, DataViewReading.ReadStrings(view, "Label"));

        var ctx = new MLContext(1);
        var keyed = ctx.Transforms.Conversion.MapValueToKey("Label").Append(ctx.Transforms.Conversion.MapKeyToValue("Name", "Label")).Fit(view).Transform(view);
        CollectionAssert.AreEqual(new[] { "dog", "c,at", "dog" }, DataViewReading.ReadStrings(keyed, "Name"));
    }

    [TestMethod]
    public void OtherSeparatorAndLabelName()
    {
        var view = Load(Write("a;Kind;b\n1;p;2\n3;q;4\n"), label: "Kind", separator: ';');
        CollectionAssert.AreEqual(new[] { 1f, 2f, 3f, 4f }, view.GetColumn<float[]>("Features").SelectMany(r => r).ToArray());
        CollectionAssert.AreEqual(new[] { "p", "q" }, DataViewReading.ReadStrings(view, "Label"));
    }

    [TestMethod]
    public void RowWithTooFewFields() =>
        Assert.AreEqual("data.csv: line 4, column 'b': the row ends early; expected 3 fields as in the header, found 1.",
            Error("a,b,label\n1,2,x\n\n3\n4,5,y\n"));

    [TestMethod]
    public void RowWithTooManyFields()
    {
        Assert.AreEqual("data.csv: line 3, after column 'label': expected 3 fields as in the header, found 4.",
            Error("a,b,label\n1,2,x\n3,4,y,5\n"));
        Assert.AreEqual("data.csv: line 2, after column 'label': expected 3 fields as in the header, found 4.",
            Error("a,b,label\n1,2,x,\n3,4,y\n"), "a trailing separator is an extra (empty) field");
    }

    [TestMethod]
    public void FieldThatIsNotANumber()
    {
        Assert.AreEqual("data.csv: line 5, column 'b': expected a number, found 'abc'.",
            Error("a,b,label\n1,2,x\n// skipped\n\n3,abc,y\n"));
        Assert.AreEqual("data.csv: line 3, column 'a': expected a number, found an empty field.",
            Error("a,b,label\n1,2,x\n,4,y\n"));
    }

    [TestMethod]
    public void NaNOrInfinity()
    {
        Assert.AreEqual("data.csv: line 3, column 'b': expected a finite number, found 'NaN'.", Error("a,b,label\n1,2,x\n3,NaN,y\n"));
        Assert.AreEqual("data.csv: line 2, column 'a': expected a finite number, found 'Infinity'.", Error("a,b,label\nInfinity,2,x\n3,4,y\n"));
        Assert.AreEqual("data.csv: line 2, column 'a': expected a finite number, found '1e40'.", Error("a,b,label\n1e40,2,x\n3,4,y\n"), "overflows float");
    }

    [TestMethod]
    public void EmptyFile()
    {
        Assert.AreEqual("data.csv: the file is empty; expected a header row with column names.", Error(""));
        Assert.AreEqual("data.csv: the file is empty; expected a header row with column names.", Error("\n\n"));
    }

    [TestMethod]
    public void HeaderOnlyFile() =>
        Assert.AreEqual("data.csv: has a header (line 1) but no data rows.", Error("a,b,label\n\n"));

    [TestMethod]
    public void FewerThanTwoClasses() =>
        Assert.AreEqual("data.csv: column 'label': every one of the 3 rows has the label 'x'; training needs at least 2 classes.",
            Error("a,label\n1,x\n2,x\n3,x\n"));

    [TestMethod]
    public void NoLabelColumn()
    {
        Assert.AreEqual("data.csv: header (line 1): no label column 'label'; column names are case-sensitive and column 3 is 'Label'.",
            Error("a,b,Label\n1,2,x\n"));
        Assert.AreEqual("data.csv: header (line 1): no label column 'label'; the columns are 'a', 'b', 'class'.",
            Error("a,b,class\n1,2,x\n"));
    }

    [TestMethod]
    public void EmptyLabelMissingFileAndBadHeader()
    {
        Assert.AreEqual("data.csv: line 3, column 'label': expected a label, found an empty field.", Error("a,label\n1,x\n2,\n"));
        string missing = Path.Combine(_dir, "missing.csv");
        Assert.AreEqual(missing + ": CSV file not found.", Assert.ThrowsExactly<DataFormatException>(() => Load(missing)).Message);
        Assert.AreEqual("data.csv: header (line 1): column name 'a' appears twice (columns 1 and 3).", Error("a,label,a\n1,x,2\n"));
        Assert.AreEqual("data.csv: header (line 1): no feature columns; the only column is the label 'label'.", Error("label\nx\ny\n"));
    }
}

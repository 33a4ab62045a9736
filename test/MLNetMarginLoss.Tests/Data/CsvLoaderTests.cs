using MLNetMarginLoss.Data;
using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Tests.Data;

[TestClass]
public sealed class CsvLoaderTests
{
    private static Dataset Load(string text, CsvLoaderOptions? options = null) => CsvLoader.Load(new StringReader(text), "data.csv", options);

    private static string Error(string text, CsvLoaderOptions? options = null) =>
        Assert.ThrowsExactly<DataFormatException>(() => Load(text, options)).Message;

    [TestMethod]
    public void StringLabelsBecomeSortedClassNames()
    {
        var data = Load("x,Label,y\n1.5,dog,-2\n3e-1,cat,4\n\n0,dog,1e2\n");
        Assert.AreEqual(TensorShape.Vector(2), data.FeatureShape);
        CollectionAssert.AreEqual(new[] { 1.5f, -2f, 0.3f, 4f, 0f, 100f }, data.Features);
        CollectionAssert.AreEqual(new[] { "cat", "dog" }, data.ClassNames.ToArray());
        CollectionAssert.AreEqual(new[] { 1, 0, 1 }, data.Labels);
    }

    [TestMethod]
    public void IntegerLabelsAreKept()
    {
        var data = Load("Label,a\n3,1\n1,2\n3,3\n");
        CollectionAssert.AreEqual(new[] { 3, 1, 3 }, data.Labels);
        Assert.AreEqual(4, data.ClassCount);
    }

    [TestMethod]
    public void ChosenFeatureColumnsQuotesSeparatorAndLimit()
    {
        var opts = new CsvLoaderOptions { LabelColumn = "kind", FeatureColumns = ["b", "a"], Separator = ';', Limit = 2 };
        var data = Load("a;b;\"kind\";note\n1;2;\"x;y\";\"some \"\"text\"\"\"\n3;4;z;t\n5;6;x;t\n", opts);
        CollectionAssert.AreEqual(new[] { 2f, 1f, 4f, 3f }, data.Features);
        CollectionAssert.AreEqual(new[] { "x;y", "z" }, data.ClassNames.ToArray());
        Assert.AreEqual(2, data.Count);

        var ignoring = Load("id,a,Label\nr1,1,p\nr2,2,q\n", new CsvLoaderOptions { IgnoreColumns = ["id"] });
        CollectionAssert.AreEqual(new[] { 1f, 2f }, ignoring.Features);
    }

    [TestMethod]
    public void NoLabelsNeededForInference()
    {
        var data = Load("a,b\n1,2\n", new CsvLoaderOptions { RequireLabels = false });
        Assert.IsFalse(data.HasLabels);
        CollectionAssert.AreEqual(new[] { 1f, 2f }, data.Features);
    }

    [TestMethod]
    public void NonNumericFeatureNamesRowLineAndColumn()
    {
        string m = Error("a,b,Label\n1,2,x\n\n3,abc,y\n");
        Assert.AreEqual("data.csv: data row 2 (line 4), column 'b' (#2): expected a number, found 'abc'.", m);
    }

    [TestMethod]
    public void NonFiniteFeaturesAreRejected()
    {
        StringAssert.Contains(Error("a,Label\n1,x\nNaN,y\n"), "data row 2 (line 3), column 'a' (#1): expected a finite number, found 'NaN'");
        StringAssert.Contains(Error("a,Label\n1,x\n-Infinity,y\n"), "expected a finite number, found '-Infinity'");
        StringAssert.Contains(Error("a,Label\n1e39,x\n2,y\n"), "data row 1 (line 2), column 'a' (#1): expected a finite number, found '1e39'");
    }

    [TestMethod]
    public void RaggedRowsAreRejected()
    {
        Assert.AreEqual("data.csv: data row 2 (line 3): expected 3 fields as in the header, found 2.", Error("a,b,Label\n1,2,x\n3,y\n"));
        StringAssert.Contains(Error("a,b,Label\n1,2,x,9\n"), "expected 3 fields as in the header, found 4");
    }

    [TestMethod]
    public void EmptyFileAndHeaderOnly()
    {
        StringAssert.Contains(Error(""), "the file is empty; expected a header row");
        StringAssert.Contains(Error("  \n\n"), "the file is empty");
        StringAssert.Contains(Error("a,Label\n"), "no data rows");
    }

    [TestMethod]
    public void MissingLabelColumnListsTheHeader()
    {
        Assert.AreEqual("data.csv: no label column 'Label'; the header has 'a', 'b', 'class'.", Error("a,b,class\n1,2,x\n"));
    }

    [TestMethod]
    public void OneClassIsRejectedWhenLabelsAreRequired()
    {
        StringAssert.Contains(Error("a,Label\n1,x\n2,x\n"), "the label column 'Label' has only one class ('x'); training needs at least 2");
        Assert.AreEqual(1, Load("a,Label\n1,x\n2,x\n", new CsvLoaderOptions { RequireLabels = false }).ClassCount);
    }

    [TestMethod]
    public void OtherHeaderAndLabelProblems()
    {
        StringAssert.Contains(Error("a,a,Label\n1,2,x\n"), "column name 'a' appears twice (#1 and #2)");
        StringAssert.Contains(Error("a,Label\n1,\n2,y\n"), "data row 1 (line 2), column 'Label' (#2): expected a label, found an empty field");
        StringAssert.Contains(Error("a,Label\n1,-1\n2,3\n"), "expected a class index ≥ 0, found -1");
        StringAssert.Contains(Error("a,Label\n1,x\n", new CsvLoaderOptions { FeatureColumns = ["zz"] }), "no feature column 'zz'");
        StringAssert.Contains(Error("a,Label\n\"1,x\n"), "expected a closing quote");
    }

    [TestMethod]
    public void LoadsFromAFileWithThePathInErrors()
    {
        string path = Path.Combine(Path.GetTempPath(), $"csv-{Guid.NewGuid():N}.csv");
        try
        {
            File.WriteAllText(path, "f1,f2,Label\n0.5,1,a\n2,oops,b\n");
            var ex = Assert.ThrowsExactly<DataFormatException>(() => DataSources.Load(path));
            StringAssert.StartsWith(ex.Message, path + ": data row 2 (line 3), column 'f2'");
            File.WriteAllText(path, "f1,f2,Label\n0.5,1,a\n2,3,b\n");
            Assert.AreEqual(2, CsvLoader.Load(path).Count);
        }
        finally { File.Delete(path); }
    }
}

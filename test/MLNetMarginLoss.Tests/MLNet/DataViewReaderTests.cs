using Microsoft.ML;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.MLNet;

namespace MLNetMarginLoss.Tests.MLNet;

/// <summary>The trainer's reader: IDataView → contiguous arrays, sequential or one cursor per core, with the same result.</summary>
[TestClass]
public sealed class DataViewReaderTests
{
    [TestMethod]
    public void ParallelReadOfALargeViewEqualsTheSourceRowsInOrder()
    {
        var ml = new MLContext(0);
        var source = FashionMnist.Train(20000);
        var view = new InMemoryDataView(source.Features, [1, 28, 28], source.Labels, source.ClassNames);
        Assert.IsGreaterThan(1, view.GetRowCursorSet(view.Schema, 2).Length, "the view offers several cursors");
        var direct = DataViewReader.Read(view, "Features", "Label", new TensorShape(1, 28, 28), "test", requireLabels: true);
        CollectionAssert.AreEqual(source.Features, direct.Features);
        CollectionAssert.AreEqual(source.Labels, direct.Labels);

        // Through MapValueToKey (a user's pipeline): same rows, labels renumbered by the new key.
        var mapped = ml.Transforms.Conversion.MapValueToKey("Label").Fit(view).Transform(view);
        var read = DataViewReader.Read(mapped, "Features", "Label", new TensorShape(1, 28, 28), "test", requireLabels: true);
        CollectionAssert.AreEqual(source.Features, read.Features);
        for (int i = 0; i < source.Count; i++) Assert.AreEqual(source.ClassNames[source.Labels![i]], read.ClassNames[read.Labels![i]]);
    }

    [TestMethod]
    public void ParallelReadReportsTheFirstBadRow()
    {
        var source = FashionMnist.Train(20000);
        var features = (float[])source.Features.Clone();
        features[17000 * 784 + 5] = float.PositiveInfinity;
        features[12000 * 784 + 9] = float.NaN;
        var view = new InMemoryDataView(features, [1, 28, 28], source.Labels, source.ClassNames);
        var e = Assert.ThrowsExactly<ArgumentException>(() => DataViewReader.Read(view, "Features", "Label", new TensorShape(1, 28, 28), "training data", requireLabels: true));
        Assert.AreEqual("training data: row 12001, column 'Features' slot 9: expected a finite number, found NaN.", e.Message);
    }

    [TestMethod]
    public void DenseRowsBeyondOneArrayAreRefusedBeforeTheyAreRead()
    {
        // One real row of 1,000,000 values in a view that says it has 3,000: 3·10⁹ floats, more than one array holds.
        const int width = 1_000_000;
        var features = new float[width];
        var view = new RowCountOf(new InMemoryDataView(features, [width], null, null), rows: 3000);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => DataViewReader.Read(view, "Features", null, new TensorShape(width), "training data", requireLabels: false));
        StringAssert.StartsWith(e.Message, "training data: 3,000 rows of 1,000,000 values are 3,000,000,000 floats, more than the 2,147,483,591 one dense in-memory dataset holds.");
        StringAssert.Contains(e.Message, "sparse feature columns");

        // The same view with its true row count reads.
        Assert.AreEqual(1, DataViewReader.Read(new RowCountOf(view, rows: 1), "Features", null, new TensorShape(width), "training data", requireLabels: false).Count);
    }

    /// <summary>A view that reports another row count than its cursors give (as a lazily generated source may).</summary>
    private sealed class RowCountOf(IDataView inner, long rows) : IDataView
    {
        public bool CanShuffle => inner.CanShuffle;
        public DataViewSchema Schema => inner.Schema;
        public long? GetRowCount() => rows;
        public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => inner.GetRowCursor(columnsNeeded, rand);
        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) => inner.GetRowCursorSet(columnsNeeded, n, rand);
    }
}

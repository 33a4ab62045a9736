using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.MLNet;
using MLNetMarginLoss.Tests.Data;

namespace MLNetMarginLoss.Tests.MLNet;

/// <summary>The reader's choice between sparse and dense rows, and the sparse rows it reads.</summary>
[TestClass]
public sealed class SparseDataViewReaderTests
{
    [TestMethod]
    public void SparseVectorsAreReadAsSparseRowsWithTheSameValuesAndLabels()
    {
        var ml = new MLContext(0);
        var source = SparseRows.Make(rows: 300, columns: 1000, classes: 3, perRow: 8, seed: 1);
        var view = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.ToSparseView(source)).Transform(ml.ToSparseView(source));
        var sparse = DataViewReader.Read(view, "Features", "Label", TensorShape.Vector(1000), "training data", requireLabels: true, allowSparse: true);
        var dense = DataViewReader.Read(view, "Features", "Label", TensorShape.Vector(1000), "training data", requireLabels: true);
        Assert.IsTrue(sparse.IsSparse, "0.8 % stored, every buffer sparse");
        Assert.IsFalse(dense.IsSparse, "without allowSparse the reader densifies as before");
        CollectionAssert.AreEqual(source.Sparse!.Indices, sparse.Sparse!.Indices);
        CollectionAssert.AreEqual(source.Sparse.RowOffsets, sparse.Sparse.RowOffsets);
        CollectionAssert.AreEqual(dense.Features, sparse.Densified().Features);
        CollectionAssert.AreEqual(dense.Labels, sparse.Labels);
        CollectionAssert.AreEqual(dense.ClassNames.ToArray(), sparse.ClassNames.ToArray());
    }

    [TestMethod]
    public void DenseBuffersAndDenseDataStayDense()
    {
        var ml = new MLContext(0);
        // Mostly zeros, but given as dense buffers (as ExtractPixels gives images): dense.
        var rows = SparseRows.Make(rows: 50, columns: 200, classes: 2, perRow: 2, seed: 1);
        var denseView = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.ToView(rows.Densified())).Transform(ml.ToView(rows.Densified()));
        Assert.IsFalse(DataViewReader.Read(denseView, "Features", "Label", TensorShape.Vector(200), "data", true, allowSparse: true).IsSparse);
        // Sparse buffers, but half their entries set: above the 2 % rule, read densely.
        var full = SparseRows.Make(rows: 50, columns: 20, classes: 2, perRow: 10, seed: 1);
        var fullView = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.ToSparseView(full)).Transform(ml.ToSparseView(full));
        var read = DataViewReader.Read(fullView, "Features", "Label", TensorShape.Vector(20), "data", true, allowSparse: true);
        Assert.IsFalse(read.IsSparse);
        CollectionAssert.AreEqual(full.Densified().Features, read.Features);
    }

    [TestMethod]
    public void BadValuesInSparseRowsNameTheRowAndSlot()
    {
        var ml = new MLContext(0);
        var rows = new[]
        {
            new Row { Features = new VBuffer<float>(500, 2, [0.5f, 1f], [3, 40]), Label = 1 },
            new Row { Features = new VBuffer<float>(500, 2, [0.5f, float.NaN], [7, 401]), Label = 2 },
        };
        var view = ml.Data.LoadFromEnumerable(rows, Definition(500));
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label").Fit(view).Transform(view);
        var e = Assert.ThrowsExactly<ArgumentException>(() => DataViewReader.Read(keyed, "Features", "Label", TensorShape.Vector(500), "training data", true, allowSparse: true));
        Assert.AreEqual("training data: row 2, column 'Features' slot 401: expected a finite number, found NaN.", e.Message);

        // A label the key did not know (key 0) names the row too.
        var map = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(rows.Take(1), Definition(500)));
        var unknown = map.Transform(ml.Data.LoadFromEnumerable([rows[0], new Row { Features = new VBuffer<float>(500, 1, [1f], [9]), Label = 7 }], Definition(500)));
        StringAssert.StartsWith(Assert.ThrowsExactly<ArgumentException>(() => DataViewReader.Read(unknown, "Features", "Label", TensorShape.Vector(500), "training data", true, allowSparse: true)).Message,
            "training data: row 2, column 'Label': the label is missing");
    }

    private static SchemaDefinition Definition(int size)
    {
        var definition = SchemaDefinition.Create(typeof(Row));
        definition[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, size);
        return definition;
    }

    private sealed class Row
    {
        public VBuffer<float> Features { get; set; }

        public float Label { get; set; }
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetMarginLoss.Tests.Data;

[TestClass]
public sealed class InMemoryDataViewTests
{
    [TestMethod]
    public void VectorRowsWithoutLabelsHaveOnlyAFeatureColumn()
    {
        var view = new InMemoryDataView([1, 2, 3, 4, 5, 6], [3]);
        Assert.AreEqual(1, view.Schema.Count);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 3), view.Schema["Features"].Type);
        Assert.AreEqual(2L, view.GetRowCount());
        CollectionAssert.AreEqual(new float[] { 1, 2, 3, 4, 5, 6 }, DataViewReading.ReadVectors(view));
        Assert.IsNull(view.LabelColumnName);
        Assert.AreEqual(0, view.ClassNames.Count);
    }

    [TestMethod]
    public void LabelsWithoutNamesAreNamedByIndexAndColumnsCanBeRenamed()
    {
        var view = new InMemoryDataView(new float[8], [2, 1, 2], [2, 0], featureColumnName: "Pixels", labelColumnName: "Class");
        CollectionAssert.AreEqual(new[] { 2, 1, 2 }, ((VectorDataViewType)view.Schema["Pixels"].Type).Dimensions.ToArray());
        CollectionAssert.AreEqual(new[] { "0", "1", "2" }, DataViewReading.KeyValues(view, "Class"));
        CollectionAssert.AreEqual(new uint[] { 3, 1 }, DataViewReading.ReadKeys(view, "Class"));
    }

    [TestMethod]
    public void GettersRefuseInactiveColumnsAndWrongTypes()
    {
        var view = new InMemoryDataView([1, 2], [1], [0, 1], ["a", "b"]);
        using var cursor = view.GetRowCursor([view.Schema["Features"]]);
        Assert.IsTrue(cursor.IsColumnActive(view.Schema["Features"]));
        Assert.IsFalse(cursor.IsColumnActive(view.Schema["Label"]));
        Assert.ThrowsExactly<InvalidOperationException>(() => cursor.GetGetter<uint>(view.Schema["Label"]));
        Assert.ThrowsExactly<InvalidOperationException>(() => cursor.GetGetter<float[]>(view.Schema["Features"]));
        var getter = cursor.GetGetter<VBuffer<float>>(view.Schema["Features"]);
        VBuffer<float> value = default;
        Assert.ThrowsExactly<InvalidOperationException>(() => getter(ref value), "before MoveNext");
        Assert.IsTrue(cursor.MoveNext());
        getter(ref value);
        CollectionAssert.AreEqual(new float[] { 1 }, value.DenseValues().ToArray());
    }

    [TestMethod]
    public void BadArgumentsAreRejected()
    {
        Assert.ThrowsExactly<ArgumentException>(() => new InMemoryDataView(new float[5], [2]));
        Assert.ThrowsExactly<ArgumentException>(() => new InMemoryDataView(new float[4], [2, 0]));
        Assert.ThrowsExactly<ArgumentException>(() => new InMemoryDataView(new float[4], [2], [0]));
        Assert.ThrowsExactly<ArgumentException>(() => new InMemoryDataView(new float[4], [2], [0, 2], ["a", "b"]));
        Assert.ThrowsExactly<ArgumentException>(() => new InMemoryDataView(new float[4], [2], [0, 1], ["a", "a"]));
    }

    [TestMethod]
    public void WorksWithMLNetCatalogOperations()
    {
        var ctx = new MLContext(1);
        var view = new InMemoryDataView([.. Enumerable.Range(0, 20).Select(i => (float)i)], [2], [0, 1, 0, 1, 0, 1, 0, 1, 0, 1], ["even", "odd"]);
        var shuffled = ctx.Data.ShuffleRows(view, seed: 3);
        CollectionAssert.AreEquivalent(DataViewReading.ReadVectors(view), DataViewReading.ReadVectors(shuffled));
        var split = ctx.Data.TrainTestSplit(view, testFraction: 0.3, seed: 1);
        Assert.AreEqual(10, DataViewReading.ReadKeys(split.TrainSet).Length + DataViewReading.ReadKeys(split.TestSet).Length);
        var cached = ctx.Data.Cache(view);
        CollectionAssert.AreEqual(DataViewReading.ReadVectors(view), DataViewReading.ReadVectors(cached));
    }
}

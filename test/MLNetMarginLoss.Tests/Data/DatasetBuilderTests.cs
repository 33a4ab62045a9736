using MLNetMarginLoss.Data;
using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Tests.Data;

[TestClass]
public sealed class DatasetBuilderTests
{
    private sealed class Flower
    {
        [FeatureColumn(2)] public float[] Sepal { get; set; } = [];
        [FeatureColumn(1)] public float PetalLength;
        [LabelColumn] public string Species { get; set; } = "";
        public string Ignored { get; set; } = "not a column";
    }

    private sealed class Digit
    {
        [FeatureColumn(1, 2, 2)] public float[] Pixels { get; set; } = [];
        [LabelColumn] public int Label { get; set; }
    }

    private sealed class Unlabelled
    {
        [FeatureColumn(2)] public float[] X { get; set; } = [];
    }

    private sealed class Ordered
    {
        [FeatureColumn(1, Order = 2)] public float A;
        [FeatureColumn(1, Order = 1)] public float B { get; set; }
    }

    private sealed class WrongType
    {
        [FeatureColumn(2)] public double[] X { get; set; } = [];
    }

    [TestMethod]
    public void JaggedAndRectangularArrays()
    {
        var a = DatasetBuilder.FromArrays([[1f, 2f], [3f, 4f]], [1, 0]);
        var b = DatasetBuilder.FromArrays(new float[,] { { 1f, 2f }, { 3f, 4f } }, [1, 0]);
        foreach (var d in new[] { a, b })
        {
            Assert.AreEqual(TensorShape.Vector(2), d.FeatureShape);
            CollectionAssert.AreEqual(new[] { 1f, 2f, 3f, 4f }, d.Features);
            CollectionAssert.AreEqual(new[] { 1, 0 }, d.Labels);
        }
        var s = DatasetBuilder.FromArrays([[1f], [2f], [3f]], ["b", "a", "b"]);
        CollectionAssert.AreEqual(new[] { "a", "b" }, s.ClassNames.ToArray());
        CollectionAssert.AreEqual(new[] { 1, 0, 1 }, s.Labels);
        Assert.IsFalse(DatasetBuilder.FromArrays([[1f]]).HasLabels);
    }

    [TestMethod]
    public void ArrayProblemsAreNamed()
    {
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => DatasetBuilder.FromArrays([[1f, 2f], [3f]])).Message, "row 2: expected 2 features as in row 1, found 1");
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => DatasetBuilder.FromArrays([[1f], [float.NaN]])).Message, "row 2, feature 0: expected a finite number");
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => DatasetBuilder.FromArrays([[1f], [2f]], [0])).Message, "expected 2 labels");
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => DatasetBuilder.FromArrays([[1f]], [-1])).Message, "found -1");
    }

    [TestMethod]
    public void RowsMapFeatureAndLabelAttributes()
    {
        var d = DatasetBuilder.FromRows(new[]
        {
            new Flower { Sepal = [5.1f, 3.5f], PetalLength = 1.4f, Species = "setosa" },
            new Flower { Sepal = [7.0f, 3.2f], PetalLength = 4.7f, Species = "versicolor" },
            new Flower { Sepal = [4.9f, 3.0f], PetalLength = 1.3f, Species = "setosa" },
        });
        Assert.AreEqual(TensorShape.Vector(3), d.FeatureShape);
        CollectionAssert.AreEqual(new[] { 5.1f, 3.5f, 1.4f, 7.0f, 3.2f, 4.7f, 4.9f, 3.0f, 1.3f }, d.Features);
        CollectionAssert.AreEqual(new[] { "setosa", "versicolor" }, d.ClassNames.ToArray());
        CollectionAssert.AreEqual(new[] { 0, 1, 0 }, d.Labels);

        var digits = DatasetBuilder.FromRows([new Digit { Pixels = [0, 1, 1, 0], Label = 2 }, new Digit { Pixels = [1, 0, 0, 1], Label = 0 }]);
        Assert.AreEqual(new TensorShape(1, 2, 2), digits.FeatureShape);
        CollectionAssert.AreEqual(new[] { 2, 0 }, digits.Labels);
        Assert.AreEqual(3, digits.ClassCount);

        Assert.IsFalse(DatasetBuilder.FromRows([new Unlabelled { X = [1, 2] }]).HasLabels);
        CollectionAssert.AreEqual(new[] { 2f, 1f }, DatasetBuilder.FromRows([new Ordered { A = 1, B = 2 }]).Features, "Order wins over declaration order");
    }

    [TestMethod]
    public void RowProblemsAreNamed()
    {
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => DatasetBuilder.FromRows([new Unlabelled { X = [1, 2, 3] }])).Message,
            "row 1, member 'X': expected 2 floats, found 3");
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => DatasetBuilder.FromRows([new WrongType()])).Message,
            "must be float[] or float, found Double[]");
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => DatasetBuilder.FromRows([new Flower { Sepal = [1, 2], Species = "" }])).Message,
            "label member 'Species': expected a class name, found an empty string");
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => DatasetBuilder.FromRows(Array.Empty<Digit>())).Message, "no rows");
        StringAssert.Contains(Assert.ThrowsExactly<DataFormatException>(() => DatasetBuilder.FromRows(new[] { "no attributes" })).Message,
            "has no member marked [FeatureColumn(size)]");
    }
}

using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Heads;

namespace MLNetMarginLoss.Tests.Heads;

/// <summary>Bad hyper-parameters and bad batches fail with one clear message.</summary>
[TestClass]
public sealed class HeadValidationTests
{
    private static void Throws<T>(Action create, params string[] fragments) where T : Exception
    {
        var ex = Assert.ThrowsExactly<T>(create);
        foreach (var f in fragments) StringAssert.Contains(ex.Message, f);
    }

    [TestMethod]
    public void NonPositiveScaleIsRejectedByEveryCosineHead()
    {
        foreach (var name in HeadFactory.Names.Where(n => n != "softmax"))
        {
            Throws<ArgumentOutOfRangeException>(() => HeadFactory.Create(name, 4, 3, new HeadOptions { Scale = 0 }), name, "positive finite scale", "got 0");
            Throws<ArgumentOutOfRangeException>(() => HeadFactory.Create(name, 4, 3, new HeadOptions { Scale = -2 }), "got -2");
            Throws<ArgumentOutOfRangeException>(() => HeadFactory.Create(name, 4, 3, new HeadOptions { Scale = double.NaN }), "scale");
        }
    }

    [TestMethod]
    public void MarginsOutOfRangeAreRejected()
    {
        Throws<ArgumentOutOfRangeException>(() => TestHeads.ArcFace(4, 3, new HeadOptions { Margin = 1.6 }), "arcface", "margin", "[0, π/2)", "got 1.6");
        Throws<ArgumentOutOfRangeException>(() => TestHeads.ArcFace(4, 3, new HeadOptions { Margin = -0.1 }), "arcface", "margin");
        Throws<ArgumentOutOfRangeException>(() => TestHeads.SubCenter(4, 3, new HeadOptions { Margin = 2 }), "subcenter", "margin");
        Throws<ArgumentOutOfRangeException>(() => TestHeads.Curricular(4, 3, new HeadOptions { Margin = 2 }), "curricular", "margin");
        Throws<ArgumentOutOfRangeException>(() => TestHeads.CosFace(4, 3, new HeadOptions { Margin = 1 }), "cosface", "margin", "[0, 1)");
        Throws<ArgumentOutOfRangeException>(() => TestHeads.Combined(4, 3, new HeadOptions { M1 = 0.5 }), "combined", "m1", "[1, 10]");
        Throws<ArgumentOutOfRangeException>(() => TestHeads.Combined(4, 3, new HeadOptions { M2 = 1.6 }), "combined", "m2");
        Throws<ArgumentOutOfRangeException>(() => TestHeads.Combined(4, 3, new HeadOptions { M3 = -0.1 }), "combined", "m3");
        Throws<ArgumentOutOfRangeException>(() => TestHeads.MagFace(4, 3, new HeadOptions { LowerNorm = 10, UpperNorm = 5 }), "magface", "upper norm");
        Throws<ArgumentOutOfRangeException>(() => TestHeads.MagFace(4, 3, new HeadOptions { LowerMargin = 0.6, UpperMargin = 0.5 }), "magface", "upper margin");
        Throws<ArgumentOutOfRangeException>(() => TestHeads.AdaFace(4, 3, new HeadOptions { NormConcentration = 0 }), "adaface", "concentration");
        Throws<ArgumentOutOfRangeException>(() => TestHeads.AdaFace(4, 3, new HeadOptions { Momentum = 1.5 }), "adaface", "momentum");
        Throws<ArgumentOutOfRangeException>(() => TestHeads.ElasticFace(4, 3, new HeadOptions { MarginStd = -1 }), "elasticface", "σ");
        Throws<ArgumentOutOfRangeException>(() => TestHeads.SubCenter(4, 3, new HeadOptions { DropThresholdDegrees = 0 }), "drop threshold");
    }

    [TestMethod]
    public void SphereFaceNeedsAnIntegerMarginOfAtLeastOne()
    {
        Throws<ArgumentOutOfRangeException>(() => TestHeads.SphereFace(4, 3, new HeadOptions { Margin = 1.5 }), "sphereface", "integer", "got 1.5");
        Throws<ArgumentOutOfRangeException>(() => TestHeads.SphereFace(4, 3, new HeadOptions { Margin = 0 }), "integer", "got 0");
        Assert.AreEqual(2, TestHeads.SphereFace(4, 3, new HeadOptions { Margin = 2 }).MarginAs<SphereFaceMargin>().Margin);
    }

    [TestMethod]
    public void SubCentresClassesAndEmbeddingSizeAreChecked()
    {
        Throws<ArgumentOutOfRangeException>(() => TestHeads.SubCenter(4, 3, new HeadOptions { SubCenters = 0 }), "SubCenters", "got 0");
        Throws<ArgumentOutOfRangeException>(() => TestHeads.ArcFace(4, 3, new HeadOptions { SubCenters = -1 }), "SubCenters");
        foreach (var name in HeadFactory.Names)
        {
            Throws<ArgumentOutOfRangeException>(() => HeadFactory.Create(name, 4, 1), "at least 2 classes");
            Throws<ArgumentOutOfRangeException>(() => HeadFactory.Create(name, 0, 3), "embedding size");
        }
    }

    [TestMethod]
    public void BatchesAreChecked()
    {
        foreach (var name in HeadFactory.Names)
        {
            var head = HeadFactory.Create(name, 3, 4);
            var x = new Tensor(2, TensorShape.Vector(3));
            Throws<ArgumentException>(() => head.Forward(x, [0], true), name, "1 labels for 2 embeddings");
            Throws<ArgumentOutOfRangeException>(() => head.Forward(x, [0, 4], true), "Label 4", "[0, 4)");
            Throws<ArgumentOutOfRangeException>(() => head.Forward(x, [-1, 0], true), "Label -1");
            Throws<ArgumentException>(() => head.Forward(new Tensor(2, TensorShape.Vector(5)), [0, 1], true), "size 3", "5");
            Throws<ArgumentException>(() => head.Predict(new Tensor(2, TensorShape.Vector(2))), "size 3");
            var fresh = HeadFactory.Create(name, 3, 4);
            Throws<InvalidOperationException>(() => fresh.Backward(new Tensor(2, TensorShape.Vector(4))), "before Forward");
            head.Forward(x, [0, 1], true);
            Throws<ArgumentException>(() => head.Backward(new Tensor(3, TensorShape.Vector(4))), "[2, 4]");
        }
    }
}

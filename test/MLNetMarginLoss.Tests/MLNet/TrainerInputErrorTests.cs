using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Tests.Training;

namespace MLNetMarginLoss.Tests.MLNet;

/// <summary>Bad input to the trainer: one ArgumentException that names the column (and row) and says how to fix the call.</summary>
[TestClass]
public sealed class TrainerInputErrorTests
{
    private static readonly MLContext Ml = new(0);

    private static IDataView Keyed(MLNetMarginLoss.Data.Dataset rows) =>
        Ml.Transforms.Conversion.MapValueToKey("Label").Fit(Ml.ToView(rows)).Transform(Ml.ToView(rows));

    private static ArgumentException Fails(IDataView data, ArcFaceTrainer.Options? options = null) =>
        Assert.ThrowsExactly<ArgumentException>(() => new ArcFaceTrainer(options ?? TestModels.SmallMlp(epochs: 1)).Fit(data));

    [TestMethod]
    public void LabelThatIsNotAKeyAsksForMapValueToKey()
    {
        var e = Fails(Ml.ToView(FashionMnist.Train(50)));
        StringAssert.Contains(e.Message, "label column 'Label' is a String scalar");
        StringAssert.Contains(e.Message, "MapValueToKey(\"Label\")");
        // In a pipeline the trainer reports it the same way when the chain reaches it.
        var pipeline = Ml.Transforms.CopyColumns("Features2", "Features").Append(new ArcFaceTrainer(TestModels.SmallMlp(epochs: 1)));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => pipeline.Fit(Ml.ToView(FashionMnist.Train(50)))).Message, "MapValueToKey");
    }

    [TestMethod]
    public void MissingColumnsAreNamed()
    {
        var options = TestModels.SmallMlp(epochs: 1);
        options.FeatureColumnName = "Pixels";
        var e = Fails(Keyed(FashionMnist.Train(50)), options);
        StringAssert.Contains(e.Message, "no feature column 'Pixels'");
        StringAssert.Contains(e.Message, "Features");
        options = TestModels.SmallMlp(epochs: 1);
        options.LabelColumnName = "Class";
        StringAssert.Contains(Fails(Keyed(FashionMnist.Train(50)), options).Message, "no label column 'Class'");
    }

    [TestMethod]
    public void FeaturesThatAreNotSingleVectorsAreRefused()
    {
        var rows = new[] { new DoubleRow { Features = [1, 2], Label = "a" }, new DoubleRow { Features = [3, 4], Label = "b" } };
        var data = Ml.Transforms.Conversion.MapValueToKey("Label").Fit(Ml.Data.LoadFromEnumerable(rows)).Transform(Ml.Data.LoadFromEnumerable(rows));
        var e = Fails(data);
        StringAssert.Contains(e.Message, "feature column 'Features' is a variable-size vector of Double");
        StringAssert.Contains(e.Message, "ConvertType");
    }

    [TestMethod]
    public void NonFiniteValuesNameRowAndColumn()
    {
        var rows = FashionMnist.Train(40);
        var features = (float[])rows.Features.Clone();
        features[6 * 784 + 100] = float.NaN;
        var damaged = new MLNetMarginLoss.Data.Dataset(features, rows.FeatureShape, rows.Labels, rows.ClassNames);
        var e = Fails(Keyed(damaged));
        StringAssert.Contains(e.Message, "row 7, column 'Features' slot 100");
        StringAssert.Contains(e.Message, "NaN");
    }

    [TestMethod]
    public void TooFewRowsOrClassesAreRefused()
    {
        var one = FashionMnist.Train(1);
        StringAssert.Contains(Fails(Keyed(one)).Message, "at least 2 rows");
        var rows = FashionMnist.Train(200);
        var single = new MLNetMarginLoss.Data.Dataset(rows.Features, rows.FeatureShape, rows.Labels!.Select(_ => 3).ToArray(), rows.ClassNames);
        var e = Fails(Keyed(single));
        StringAssert.Contains(e.Message, "at least 2 classes");
    }

    [TestMethod]
    public void ValidationSetWithAnotherLabelKeyIsRefused()
    {
        var train = Keyed(FashionMnist.Train(200));
        var options = TestModels.SmallMlp(epochs: 1);
        options.ValidationSet = Keyed(FashionMnist.Test(200)); // its own MapValueToKey: another key order
        var e = Fails(train, options);
        StringAssert.Contains(e.Message, "validation set");
        StringAssert.Contains(e.Message, "same MapValueToKey transformer");
    }

    [TestMethod]
    public void ImageEncoderOnAFlatVectorAsksForTheImageShape()
    {
        var rows = FashionMnist.Train(50);
        var flat = new MLNetMarginLoss.Data.Dataset(rows.Features, MLNetMarginLoss.Engine.TensorShape.Vector(784), rows.Labels, rows.ClassNames);
        var options = TestModels.SmallMlp(epochs: 1);
        options.Encoder = new EncoderSpec { Kind = EncoderKind.Cnn };
        StringAssert.Contains(Fails(Keyed(flat), options).Message, "set Options.ImageShape");
        options.ImageShape = [1, 28, 28];
        var model = new ArcFaceTrainer(options).Fit(Keyed(flat));
        Assert.AreEqual(new MLNetMarginLoss.Engine.TensorShape(1, 28, 28), model.Encoder.InputShape);
    }

    [TestMethod]
    public void BadOptionsAreRefusedWhenTheTrainerIsMade()
    {
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ArcFaceTrainer(new ArcFaceTrainer.Options { MaxEpoch = 0 })).Message, "MaxEpoch");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new ArcFaceTrainer(new ArcFaceTrainer.Options { ImageShape = [1, 28] })).Message, "ImageShape");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new ArcFaceTrainer(new ArcFaceTrainer.Options { ScoreColumnName = "" })).Message, "ScoreColumnName");
    }

    private sealed class DoubleRow
    {
        public double[] Features { get; set; } = [];
        public string Label { get; set; } = "";
    }
}

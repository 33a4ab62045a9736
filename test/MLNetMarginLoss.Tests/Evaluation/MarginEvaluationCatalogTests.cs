using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Evaluation;
using MLNetMarginLoss.Tests.MLNet;
using MLNetMarginLoss.Tests.Training;

namespace MLNetMarginLoss.Tests.Evaluation;

/// <summary>The evaluators on IDataView (<c>mlContext.MulticlassClassification.Evaluate…</c>) against the array evaluators.</summary>
[TestClass]
public sealed class MarginEvaluationCatalogTests
{
    private static readonly string[] Keys = ["A", "B", "C"];

    private static float[] AtAngle(double degrees) => [(float)Math.Cos(degrees * Math.PI / 180), (float)Math.Sin(degrees * Math.PI / 180)];

    // The retrieval tests' five points on the unit circle (A A A B B) plus three C rows, scaled so they are not unit vectors.
    private static (float[][] Rows, string[] Labels) Points()
    {
        double[] degrees = [0, 35, 45, 15, 80, 200, 210, 190];
        string[] labels = ["A", "A", "A", "B", "B", "C", "C", "C"];
        return (degrees.Select((d, i) => AtAngle(d).Select(v => v * (i + 1)).ToArray()).ToArray(), labels);
    }

    [TestMethod]
    public void RetrievalVerificationAndGeometryMatchTheArrayEvaluators()
    {
        var ml = new MLContext(0);
        var (rows, labels) = Points();
        var view = TestDataViews.Embeddings(ml, rows, labels, Keys);
        var flat = rows.SelectMany(r => r).ToArray();
        int[] classes = labels.Select(l => Array.IndexOf(Keys, l)).ToArray();

        var retrieval = ml.MulticlassClassification.EvaluateRetrieval(view);
        var expected = RetrievalEvaluator.Evaluate(flat, 2, classes);
        Assert.AreEqual(expected, retrieval);
        Assert.AreEqual(8, retrieval.QueryCount);

        var verification = ml.MulticlassClassification.EvaluateVerification(view, pairs: 200, seed: 3);
        var pairs = PairGenerator.Generate(classes, 200, new SeededRandom(3));
        var expectedVerification = VerificationEvaluator.Evaluate(flat, 2, pairs);
        Assert.AreEqual(200, verification.PairCount);
        Assert.AreEqual(expectedVerification.Auc, verification.Auc);
        Assert.AreEqual(expectedVerification.CrossValidation.MeanAccuracy, verification.CrossValidation.MeanAccuracy);

        var geometry = ml.MulticlassClassification.EvaluateEmbeddings(view);
        Assert.AreEqual(EmbeddingDiagnostics.Compute(flat, 2, classes).MeanIntraClassAngle, geometry.MeanIntraClassAngle, 1e-12);
    }

    [TestMethod]
    public void ClassificationReportCountsUnknownPredictionsAsMissesAndMatchesKeysByName()
    {
        var ml = new MLContext(0);
        string[] truth = ["A", "B", "C", "C", "C"];
        string[] predicted = ["A", "A", "C", "", "B"];   // "" is no key value: key 0, an unknown prediction
        var rows = truth.Select((t, i) => new Scored { Label = t, PredictedLabel = predicted[i] }).ToArray();
        var view = ml.Data.LoadFromEnumerable(rows);
        // The predicted key lists the classes in another order than the label key.
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label", keyData: ml.Data.LoadFromEnumerable(Keys.Select(k => new Term { Value = k })))
            .Append(ml.Transforms.Conversion.MapValueToKey("PredictedLabel", keyData: ml.Data.LoadFromEnumerable(Keys.Reverse().Select(k => new Term { Value = k }))))
            .Fit(view).Transform(view);
        var report = ml.MulticlassClassification.ClassificationReport(keyed);
        Assert.AreEqual(2.0 / 5, report.Accuracy, 1e-12);
        Assert.AreEqual(1, report.UnknownCount);
        CollectionAssert.AreEqual(Keys, report.Classes.Select(c => c.Name).ToArray());
        Assert.AreEqual(1.0 / 3, report.Classes[2].Recall, 1e-12);   // C: 1 of 3, the unknown row is a miss
        Assert.AreEqual(1.0, report.Classes[2].Precision, 1e-12);
        Assert.AreEqual(0.5, report.Classes[0].Precision, 1e-12);

        var reference = ClassificationReport.Create([0, 1, 2, 2, 2], [0, 0, 2, -1, 1], 3, Keys);
        Assert.AreEqual(reference.ToText(), report.ToText());
    }

    [TestMethod]
    public void MarginModelReportAgreesWithMLNetsEvaluatorOnTheTransformerOutput()
    {
        var ml = new MLContext(0);
        var train = TestDataViews.FromDataset(ml, FashionMnist.Train(1000));
        var test = TestDataViews.FromDataset(ml, FashionMnist.Test(400));
        var model = new ArcFaceTrainer(TestModels.SmallMlp(epochs: 2)).Fit(train);

        var report = ml.MulticlassClassification.EvaluateMarginModel(model, test, gallery: train, knnK: 5, retrieval: true, verificationPairs: 400, diagnostics: true);
        var mlnet = ml.MulticlassClassification.Evaluate(model.Transform(test));
        // Engine (batched) and ONNX (row by row) scores differ only by float rounding.
        Assert.AreEqual(mlnet.MicroAccuracy, report.Classification.MicroAccuracy, 1.0 / 400 + 1e-9);
        Assert.AreEqual(mlnet.LogLoss, report.Classification.LogLoss, 1e-3);
        Assert.AreEqual(report.Classification.MicroAccuracy, report.Report.Accuracy, 1e-12);
        Assert.IsNotNull(report.Retrieval);
        Assert.IsNotNull(report.Verification);
        Assert.IsNotNull(report.Diagnostics);

        // k-NN accuracy against the training gallery: the same as the k-NN classifier's on the extracted embeddings.
        var extractor = ml.Transforms.ExtractEmbeddings(model).Fit(train);
        var knn = ml.MulticlassClassification.Trainers.KnnClassifier(k: 5).Fit(extractor.Transform(train));
        var knnReport = ml.MulticlassClassification.EvaluateKnn(knn, extractor.Transform(test));
        Assert.AreEqual(knnReport.Accuracy, report.KnnAccuracy!.Value, 2.0 / 400 + 1e-9);
        Assert.IsGreaterThan(0.6, report.KnnAccuracy!.Value);
    }

    [TestMethod]
    public void MissingOrMistypedColumnsGiveOneClearArgumentException()
    {
        var ml = new MLContext(0);
        var (rows, labels) = Points();
        var view = TestDataViews.Embeddings(ml, rows, labels, Keys);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.EvaluateRetrieval(view, embeddingColumnName: "Vectors")).Message, "Vectors");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.EvaluateRetrieval(view, labelColumnName: "Class")).Message, "Class");
        var textLabel = ml.Transforms.Conversion.MapKeyToValue("Label").Fit(view).Transform(view);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.EvaluateVerification(textLabel)).Message, "MapValueToKey");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.ClassificationReport(view)).Message, "PredictedLabel");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.EvaluateVerification(view, pairs: 3));
    }

    private sealed class Term
    {
        public string Value { get; set; } = "";
    }

    private sealed class Scored
    {
        public string Label { get; set; } = "";

        public string PredictedLabel { get; set; } = "";
    }
}

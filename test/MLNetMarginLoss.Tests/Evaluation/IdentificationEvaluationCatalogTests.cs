using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Evaluation;
using MLNetMarginLoss.Tests.MLNet;

namespace MLNetMarginLoss.Tests.Evaluation;

/// <summary>The identification, open-set and cross-group verification evaluators on IDataView against the array evaluators.</summary>
[TestClass]
public sealed class IdentificationEvaluationCatalogTests
{
    private static float[] At(double degrees) => [(float)Math.Cos(degrees * Math.PI / 180), (float)Math.Sin(degrees * Math.PI / 180)];

    [TestMethod]
    public void IdentificationMatchesProbesToTheGalleryByClassName()
    {
        var ml = new MLContext(0);
        // The probes' key lists the classes in another order than the gallery's: they are matched by name.
        var gallery = TestDataViews.Embeddings(ml, [At(0), At(90), At(180), At(10)], ["A", "B", "C", "B"], ["A", "B", "C"]);
        var probes = TestDataViews.Embeddings(ml, [At(3), At(8), At(140), At(260), At(230)], ["A", "A", "C", "A", "B"], ["C", "B", "A"]);
        var m = ml.MulticlassClassification.EvaluateIdentification(gallery, probes);
        CollectionAssert.AreEqual(new[] { 0.4, 0.8, 1.0 }, m.CumulativeMatch.ToArray());   // the hand-worked ranks of IdentificationEvaluatorTests

        var stranger = TestDataViews.Embeddings(ml, [At(3)], ["D"], ["D"]);
        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.EvaluateIdentification(gallery, stranger));
        StringAssert.Contains(e.Message, "class 'D' has no gallery image");
        var wide = TestDataViews.Embeddings(ml, [[1f, 0f, 0f]], ["A"], ["A"]);
        e = Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.EvaluateIdentification(gallery, wide));
        StringAssert.Contains(e.Message, "embed both with the same model");
    }

    [TestMethod]
    public void OpenSetRefusesUnknownProbesOfEnrolledClasses()
    {
        var ml = new MLContext(0);
        var gallery = TestDataViews.Embeddings(ml, [At(0), At(90)], ["A", "B"], ["A", "B"]);
        var known = TestDataViews.Embeddings(ml, [At(10), At(20), At(60), At(40), At(-35), At(95)], ["A", "A", "B", "B", "A", "B"], ["B", "A"]);
        var unknown = TestDataViews.Embeddings(ml, [At(180), At(45), At(2)], ["C", "C", "D"], ["C", "D"]);
        var m = ml.MulticlassClassification.EvaluateOpenSet(gallery, known, unknown, knownAcceptRate: 2.0 / 3);
        Assert.AreEqual(Math.Cos(30 * Math.PI / 180), m.Threshold, 1e-6);               // as in OpenSetEvaluatorTests
        Assert.AreEqual(2.0 / 3, m.DetectionAndIdentificationRate, 1e-12);
        Assert.AreEqual(2.0 / 3, m.UnknownRejectRate, 1e-12);

        var notUnknown = TestDataViews.Embeddings(ml, [At(180), At(45)], ["C", "B"], ["C", "B"]);
        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.EvaluateOpenSet(gallery, known, notUnknown));
        StringAssert.Contains(e.Message, "class 'B' is in the gallery");
    }

    private sealed class GroupedRow
    {
        public float[] Embedding { get; set; } = [];
        public string Label { get; set; } = "";
        public string Camera { get; set; } = "";
    }

    [TestMethod]
    public void VerificationAcrossGroupsDrawsPairsFromTheGroupColumn()
    {
        var ml = new MLContext(0);
        double[] degrees = [0, 20, 40, 90, 110, 130, 200, 220];
        string[] labels = ["A", "A", "A", "B", "B", "B", "C", "C"];
        string[] cameras = ["x", "y", "z", "x", "x", "y", "z", "z"];
        var rows = degrees.Select((d, i) => new GroupedRow { Embedding = At(d), Label = labels[i], Camera = cameras[i] }).ToArray();
        var schema = SchemaDefinition.Create(typeof(GroupedRow));
        schema[nameof(GroupedRow.Embedding)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 2);
        var view = ml.Data.LoadFromEnumerable(rows, schema);
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label").Fit(view).Transform(view);

        var v = ml.MulticlassClassification.EvaluateVerificationAcrossGroups(keyed, "Camera", pairs: 400, seed: 5);
        int[] classes = [0, 0, 0, 1, 1, 1, 2, 2];          // MapValueToKey numbers by first appearance
        int[] groups = [0, 1, 2, 0, 0, 1, 2, 2];           // text groups numbered by first appearance
        var pairs = CrossGroupPairGenerator.Generate(classes, groups, 400, new SeededRandom(5));
        var expected = VerificationEvaluator.Evaluate(rows.SelectMany(r => r.Embedding).ToArray(), 2, pairs);
        Assert.AreEqual(400, v.PairCount);
        Assert.AreEqual(expected.Auc, v.Auc);
        Assert.AreEqual(expected.CrossValidation.MeanAccuracy, v.CrossValidation.MeanAccuracy);

        // The same groups as a key column give the same pairs.
        var cameraKeyed = ml.Transforms.Conversion.MapValueToKey("Camera").Fit(keyed).Transform(keyed);
        Assert.AreEqual(expected.Auc, ml.MulticlassClassification.EvaluateVerificationAcrossGroups(cameraKeyed, "Camera", pairs: 400, seed: 5).Auc);

        var e = Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.EvaluateVerificationAcrossGroups(keyed, "Session"));
        StringAssert.Contains(e.Message, "no group column 'Session'");
        e = Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.EvaluateVerificationAcrossGroups(keyed, "Embedding"));
        StringAssert.Contains(e.Message, "expected a key or text column");
    }
}

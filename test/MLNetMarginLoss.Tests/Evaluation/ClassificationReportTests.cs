using MLNetMarginLoss.Evaluation;

namespace MLNetMarginLoss.Tests.Evaluation;

[TestClass]
public sealed class ClassificationReportTests
{
    [TestMethod]
    public void TextMatchesScikitLearnDocumentationExample()
    {
        // scikit-learn's classification_report docstring: y_true=[0,1,2,2,2], y_pred=[0,0,2,2,1].
        var report = ClassificationReport.Create([0, 1, 2, 2, 2], [0, 0, 2, 2, 1], 3, ["class 0", "class 1", "class 2"]);
        const string expected =
            "              precision    recall  f1-score   support\n" +
            "\n" +
            "     class 0       0.50      1.00      0.67         1\n" +
            "     class 1       0.00      0.00      0.00         1\n" +
            "     class 2       1.00      0.67      0.80         3\n" +
            "\n" +
            "    accuracy                           0.60         5\n" +
            "   macro avg       0.50      0.56      0.49         5\n" +
            "weighted avg       0.70      0.60      0.61         5\n";
        Assert.AreEqual(expected, report.ToText());
    }

    [TestMethod]
    public void ValuesFollowTheDefinitions()
    {
        var r = ClassificationReport.Create([0, 1, 2, 2, 2], [0, 0, 2, 2, 1], 3);
        Assert.AreEqual(0.5, r.Classes[0].Precision);
        Assert.AreEqual(2.0 / 3, r.Classes[0].F1, 1e-12);
        Assert.AreEqual(0.0, r.Classes[1].F1);
        Assert.AreEqual(0.8, r.Classes[2].F1, 1e-12);
        Assert.AreEqual(0.6, r.Accuracy, 1e-12);
        Assert.AreEqual((0.5 + 0 + 1) / 3, r.MacroAverage.Precision, 1e-12);
        Assert.AreEqual((2.0 / 3 * 1 + 0 * 1 + 0.8 * 3) / 5, r.WeightedAverage.F1, 1e-12);
        Assert.AreEqual(5, r.TotalSupport);
        Assert.AreEqual("2", r.Classes[2].Name);
    }

    [TestMethod]
    public void LongClassNamesWidenTheNameColumnAndDigitsAreHonoured()
    {
        var r = ClassificationReport.Create([0, 1], [0, 1], 2, ["a-very-long-class-name", "b"]);
        var lines = r.ToText(digits: 4).Split('\n');
        Assert.AreEqual("a-very-long-class-name     1.0000    1.0000    1.0000         1", lines[2]);
        Assert.AreEqual("                     b     1.0000    1.0000    1.0000         1", lines[3]);
    }

    [TestMethod]
    public void RoundingIsPythonsHalfEvenOnExactTies()
    {
        Assert.AreEqual("0.12", PythonFixedFormat.Format(0.125, 2));   // exact tie → even
        Assert.AreEqual("0.38", PythonFixedFormat.Format(0.375, 2));   // exact tie → even
        Assert.AreEqual("0.14", PythonFixedFormat.Format(0.135, 2));   // 0.135 is 0.13500000000000000888…
        Assert.AreEqual("0.67", PythonFixedFormat.Format(2.0 / 3, 2));
        Assert.AreEqual("2", PythonFixedFormat.Format(2.5, 0));
        Assert.AreEqual("-0.38", PythonFixedFormat.Format(-0.375, 2));
    }

    [TestMethod]
    public void MismatchedLengthsAreRejected()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => ClassificationReport.Create([0, 1], [0], 2));
        StringAssert.Contains(ex.Message, "2 labels but 1 predictions");
    }
}

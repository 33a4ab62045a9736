using MLNetMarginLoss.Plotting;
using MLNetMarginLoss.Training;
using ScottPlot;
using static MLNetMarginLoss.Tests.Plotting.PlotTestData;

namespace MLNetMarginLoss.Tests.Plotting;

[TestClass]
public sealed class TrainingCurvePlotTests
{
    private static readonly double[] Objective = [6.0, 4.1, 3.2, 2.9];          // with margin: far above the others
    private static readonly double[] Plain = [1.9, 1.1, 0.8, 0.7];
    private static readonly double[] ValLoss = [2.0, 1.3, 0.9, double.NaN];
    private static readonly double[] Acc = [0.3, 0.6, 0.75, 0.8];
    private static readonly double[] ValAcc = [0.35, 0.62, 0.74, 0.79];
    private static readonly double[] Rates = [1e-3, 1e-3, 5e-4, 2.5e-4];

    private static TrainingHistory History(bool withPlain, bool withValidation = true) => new(Enumerable.Range(0, 4).Select(i => new EpochRecord
    {
        Epoch = i,
        TrainLoss = Objective[i],
        TrainLossWithoutMargin = withPlain ? Plain[i] : null,
        TrainAccuracy = Acc[i],
        ValidationLoss = withValidation ? ValLoss[i] : null,
        ValidationAccuracy = withValidation ? ValAcc[i] : null,
        LearningRate = Rates[i],
        MarginActive = i > 0,
    }));

    /// <summary>Every scatter series of the figure with the panel it is on.</summary>
    private static List<(int Panel, Plot Plot, ScottPlot.Plottables.Scatter Series)> Series(Multiplot figure) =>
        figure.GetPlots().SelectMany((p, i) => p.GetPlottables<ScottPlot.Plottables.Scatter>().Select(s => (i, p, s))).ToList();

    /// <summary>The series whose y values are exactly <paramref name="ys"/> (finite ones, in order), found by data rather than by label.</summary>
    private static (int Panel, Plot Plot, ScottPlot.Plottables.Scatter Series) ByData(Multiplot figure, double[] ys)
    {
        var finite = ys.Where(double.IsFinite).ToArray();
        var matches = Series(figure).Where(t => Ys(t.Series).SequenceEqual(finite)).ToList();
        Assert.HasCount(1, matches, $"series with y = {string.Join(", ", finite)}");
        return matches[0];
    }

    [TestMethod]
    public void LossWithoutMarginComparesTrainingAndValidationOnOnePanel()
    {
        var figure = TrainingCurvePlot.Create(History(withPlain: true));
        var plain = ByData(figure, Plain);
        var validation = ByData(figure, ValLoss);
        Assert.AreEqual(0, plain.Panel);
        Assert.AreSame(plain.Plot, validation.Plot);
        Assert.AreSame(plain.Series.Axes.YAxis, validation.Series.Axes.YAxis, "like with like: same axis");
        AreClose([1, 2, 3, 4], Xs(plain.Series), "epochs from 1");
        AreClose([1, 2, 3], Xs(validation.Series), "the NaN epoch is left out");
        Assert.AreEqual(TrainingCurvePlot.TrainWithoutMarginLabel, plain.Series.LegendText);
        Assert.AreEqual(TrainingCurvePlot.ValidationLossLabel, validation.Series.LegendText);
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void TrainingObjectiveWithMarginIsNeverOnTheValidationLossAxis(bool withPlain)
    {
        var figure = TrainingCurvePlot.Create(History(withPlain));
        var objective = ByData(figure, Objective);
        var validation = ByData(figure, ValLoss);
        Assert.AreNotSame(objective.Plot, validation.Plot, "the with-margin objective has its own panel");
        Assert.AreNotSame(objective.Series.Axes.YAxis, validation.Series.Axes.YAxis);
        Assert.IsFalse(objective.Plot.GetPlottables<ScottPlot.Plottables.Scatter>().Any(s => s != objective.Series && s.LegendText.Contains("loss", StringComparison.OrdinalIgnoreCase)),
            "nothing else loss-like shares the objective's panel");
        Assert.AreEqual(TrainingCurvePlot.ObjectiveLabel, objective.Series.LegendText);
        Assert.AreEqual(LinePattern.Dashed, objective.Series.LinePattern);
        StringAssert.Contains(objective.Plot.Axes.Title.Label.Text, "with margin");
        StringAssert.Contains(validation.Plot.Axes.Title.Label.Text, "margin");
        Assert.IsFalse(validation.Plot.Axes.Title.Label.Text.Contains("with margin", StringComparison.Ordinal), validation.Plot.Axes.Title.Label.Text);
        StringAssert.Contains(validation.Series.LegendText, "no margin");
        if (!withPlain)
            Assert.HasCount(1, validation.Plot.GetPlottables<ScottPlot.Plottables.Scatter>(), "validation loss alone on its panel");
    }

    [TestMethod]
    public void AccuracyPanelHasTrainingAndValidation()
    {
        var figure = TrainingCurvePlot.Create(History(withPlain: true));
        var train = ByData(figure, Acc);
        var validation = ByData(figure, ValAcc);
        Assert.AreSame(train.Plot, validation.Plot);
        Assert.AreEqual(2, train.Panel);
        CollectionAssert.IsSubsetOf(new[] { "training (with margin)", "validation" }, LegendTexts(train.Plot));
        Assert.AreEqual("accuracy", train.Plot.Axes.Left.Label.Text);
        Assert.AreEqual("epoch", train.Plot.Axes.Bottom.Label.Text);
        var rate = ByData(figure, Rates);
        Assert.AreEqual(3, rate.Panel);
    }

    [TestMethod]
    public void WarmUpEpochsAreShadedOnTheObjectivePanelAndTheKeptEpochIsMarked()
    {
        var history = History(withPlain: true);
        typeof(TrainingHistory).GetProperty(nameof(TrainingHistory.SelectedEpoch))!.SetValue(history, 1);
        var figure = TrainingCurvePlot.Create(history);
        var objective = ByData(figure, Objective);
        var span = objective.Plot.GetPlottables<ScottPlot.Plottables.HorizontalSpan>().Single();
        Assert.AreEqual(0.5, span.X1, 1e-12);
        Assert.AreEqual(1.5, span.X2, 1e-12);
        foreach (var p in figure.GetPlots().Take(4))
            Assert.AreEqual(2, p.GetPlottables<ScottPlot.Plottables.VerticalLine>().Single().X, 1e-12);
        Assert.AreEqual(0, TrainingCurvePlot.Create(History(withPlain: true)).GetPlots().Sum(p => p.GetPlottables<ScottPlot.Plottables.VerticalLine>().Count()),
            "no marker when the last epoch is kept");
    }

    [TestMethod]
    public void PanelsShareTheEpochRange()
    {
        var figure = TrainingCurvePlot.Create(History(withPlain: true));   // epoch 1 is warm-up: shaded from 0.5
        var ranges = figure.GetPlots().Take(4).Select(p => (p.Axes.GetLimits().Left, p.Axes.GetLimits().Right)).Distinct().ToList();
        Assert.HasCount(1, ranges);
        Assert.IsTrue(ranges[0].Left < 1 && ranges[0].Right > 4, ranges[0].ToString());
    }

    [TestMethod]
    public void WithoutValidationDataOnlyTrainingSeriesAreDrawn()
    {
        var figure = TrainingCurvePlot.Create(History(withPlain: true, withValidation: false));
        var legends = figure.GetPlots().SelectMany(LegendTexts).ToList();
        Assert.IsFalse(legends.Any(l => l.StartsWith("validation", StringComparison.Ordinal)), string.Join(", ", legends));
        ByData(figure, Plain);
        ByData(figure, Objective);
    }

    [TestMethod]
    public void EmptyHistoryIsRejected()
    {
        Assert.ThrowsExactly<ArgumentException>(() => TrainingCurvePlot.Create(new TrainingHistory()));
    }
}

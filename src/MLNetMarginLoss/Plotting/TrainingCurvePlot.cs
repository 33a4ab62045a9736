using MLNetMarginLoss.Training;
using ScottPlot;

namespace MLNetMarginLoss.Plotting;

/// <summary>
/// Training curves of a <see cref="TrainingHistory"/> in four panels, epochs numbered from 1 (x = Epoch + 1):
/// <list type="number">
/// <item><b>Loss without margin</b> (top left): the softmax cross-entropy of the inference logits s·cos θ, for the
/// training batches (<see cref="EpochRecord.TrainLossWithoutMargin"/>) and for the validation data
/// (<see cref="EpochRecord.ValidationLoss"/>) — the same quantity, so the two lines compare like with like. When
/// the training value was not recorded the panel holds the validation loss alone and says so.</item>
/// <item><b>Training objective (with margin)</b> (top right): <see cref="EpochRecord.TrainLoss"/>, the loss the
/// optimiser minimised, dashed. The margin makes it larger than the no-margin loss by design, so it is never put
/// on an axis beside the validation loss. Softmax warm-up epochs (margin off) are shaded.</item>
/// <item><b>Accuracy</b> (bottom left): training accuracy (arg-max of the margin logits, as recorded, so labelled
/// "with margin") and validation accuracy.</item>
/// <item><b>Learning rate</b> (bottom right) at the end of each epoch, on an axis from 0.</item>
/// </list>
/// When early stopping kept an earlier epoch's weights (<see cref="TrainingHistory.SelectedEpoch"/> before the last
/// epoch), a dotted vertical line marks it in every panel. Epochs whose value is missing or not finite are left out
/// of that series.
/// </summary>
public static class TrainingCurvePlot
{
    /// <summary>Legend text of the training loss without margin.</summary>
    public const string TrainWithoutMarginLabel = "training (no margin)";

    /// <summary>Legend text of the validation loss.</summary>
    public const string ValidationLossLabel = "validation (no margin)";

    /// <summary>Legend text of the training objective.</summary>
    public const string ObjectiveLabel = "training objective (with margin)";

    /// <summary>
    /// The four-panel figure (see the class summary). Subplot 0 is the no-margin loss, 1 the training objective,
    /// 2 the accuracy and 3 the learning rate.
    /// </summary>
    public static Multiplot Create(TrainingHistory history, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(history);
        var epochs = history.Epochs;
        if (epochs.Count == 0) throw new ArgumentException("The training history has no epochs to plot.", nameof(history));
        int lastEpoch = epochs[^1].Epoch;
        int? selected = history.SelectedEpoch >= 0 && history.SelectedEpoch < lastEpoch ? history.SelectedEpoch : null;

        // 1. Loss without margin: like with like.
        bool hasTrainPlain = epochs.Any(e => e.TrainLossWithoutMargin is { } v && double.IsFinite(v));
        bool hasValidationLoss = epochs.Any(e => e.ValidationLoss is { } v && double.IsFinite(v));
        string lossTitle = (hasTrainPlain, hasValidationLoss) switch
        {
            (true, true) => "Loss without margin: training vs validation",
            (false, true) => "Validation loss (no margin)",
            (true, false) => "Training loss without margin",
            _ => "Loss without margin (not recorded)",
        };
        var loss = Panel(lossTitle, "cross-entropy of s·cos θ");
        if (hasTrainPlain) Series(loss, epochs, e => e.TrainLossWithoutMargin, TrainWithoutMarginLabel, PlotPalette.Color(0), MarkerShape.FilledCircle);
        if (hasValidationLoss) Series(loss, epochs, e => e.ValidationLoss, ValidationLossLabel, PlotPalette.Color(1), MarkerShape.FilledSquare);

        // 2. The optimised objective, with margin, on its own panel.
        var objective = Panel("Training objective (with margin)", "margin loss");
        ShadeWarmUp(objective, epochs);
        var obj = Series(objective, epochs, e => e.TrainLoss, ObjectiveLabel, Colors.DimGray, MarkerShape.FilledTriangleUp);
        obj.LinePattern = LinePattern.Dashed;

        // 3. Accuracy.
        var accuracy = Panel("Accuracy", "accuracy", legendAt: Alignment.LowerRight);
        Series(accuracy, epochs, e => e.TrainAccuracy, "training (with margin)", PlotPalette.Color(0), MarkerShape.FilledCircle);
        if (epochs.Any(e => e.ValidationAccuracy is { } v && double.IsFinite(v)))
            Series(accuracy, epochs, e => e.ValidationAccuracy, "validation", PlotPalette.Color(1), MarkerShape.FilledSquare);

        // 4. Learning rate.
        var rate = Panel("Learning rate", "learning rate");
        Series(rate, epochs, e => e.LearningRate, "learning rate", PlotPalette.Color(2), MarkerShape.FilledCircle);
        rate.Legend.IsVisible = false;
        double maxRate = epochs.Select(e => e.LearningRate).Where(double.IsFinite).DefaultIfEmpty(0).Max();

        // Every panel spans the same epochs, so a vertical line through one epoch meets it in all four.
        double first = epochs.Min(e => e.Epoch) + 1, last = epochs.Max(e => e.Epoch) + 1;
        double pad = Math.Max(0.5, 0.03 * (last - first));
        Plot[] panels = [loss, objective, accuracy, rate];
        foreach (var p in panels)
        {
            if (selected is { } s)
            {
                var line = p.Add.VerticalLine(s + 1, 1.5f, Colors.Black.WithAlpha(0.6), LinePattern.Dotted);
                if (p == loss) line.LegendText = "kept by early stopping";
            }
            p.Axes.Margins(0.05, 0.12);
            p.Axes.AutoScale();
            p.Axes.SetLimitsX(first - pad, last + pad);
        }
        if (maxRate > 0) rate.Axes.SetLimitsY(0, maxRate * 1.15);
        if (!hasTrainPlain && !hasValidationLoss)
            loss.Add.Annotation("not recorded", Alignment.MiddleCenter);
        return FigureLayout.Compose(2, 2, panels, title, legend: null, legendHeight: 0);
    }

    /// <summary>Creates the figure (see <see cref="Create"/>) and saves it (see <see cref="PlotFile"/>); returns the full path written.</summary>
    public static string Save(string path, TrainingHistory history, string? title = null,
        int width = PlotFile.DefaultWidth, int height = PlotFile.DefaultHeight, PlotFormat? format = null)
        => PlotFile.Save(Create(history, title), path, width, height, format);

    private static Plot Panel(string title, string yLabel, Alignment legendAt = Alignment.UpperRight)
    {
        var plot = PlotTheme.NewPlot(title, "epoch", yLabel);
        plot.Axes.Title.Label.FontSize = PlotTheme.LabelSize;
        plot.Axes.Bottom.TickGenerator = new DecimalTicks { IntegerTicksOnly = true };
        plot.ShowLegend(legendAt);
        return plot;
    }

    private static ScottPlot.Plottables.Scatter Series(Plot plot, IReadOnlyList<EpochRecord> epochs, Func<EpochRecord, double?> value,
        string label, Color color, MarkerShape marker)
    {
        var xs = new List<double>();
        var ys = new List<double>();
        foreach (var e in epochs)
            if (value(e) is { } v && double.IsFinite(v)) { xs.Add(e.Epoch + 1); ys.Add(v); }
        var s = plot.Add.Scatter(xs.ToArray(), ys.ToArray(), color);
        s.LegendText = label;
        s.LineWidth = 2;
        s.MarkerShape = marker;
        s.MarkerSize = 7;
        return s;
    }

    private static void ShadeWarmUp(Plot plot, IReadOnlyList<EpochRecord> epochs)
    {
        var warm = epochs.Where(e => !e.MarginActive).Select(e => e.Epoch + 1).ToArray();
        if (warm.Length == 0) return;
        var span = plot.Add.HorizontalSpan(warm.Min() - 0.5, warm.Max() + 0.5, Colors.Orange.WithAlpha(0.15));
        span.LegendText = "softmax warm-up (no margin)";
    }
}

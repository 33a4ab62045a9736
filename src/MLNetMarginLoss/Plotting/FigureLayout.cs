using ScottPlot;

namespace MLNetMarginLoss.Plotting;

/// <summary>
/// The layout of a multi-panel figure: an optional title band on top and an optional legend band at the bottom,
/// each a fixed number of pixels high (shrunk to at most a third of the figure each when the figure is small),
/// and a grid of equally sized panels in between. Panels are at most <c>maxPanelAspect</c> times as high as they
/// are wide; height left over is split evenly above the title band and below the legend band, so the bands stay
/// next to the panels. Subplots are taken in order: the <c>rows × columns</c> panels row by row, then the title
/// band when there is one, then the legend band when there is one.
/// </summary>
internal sealed class FigureLayout(int rows, int columns, float titleHeight, float legendHeight, float maxPanelAspect = float.PositiveInfinity) : IMultiplotLayout
{
    public int Rows { get; } = rows;
    public int Columns { get; } = columns;
    public float TitleHeight { get; } = titleHeight;
    public float LegendHeight { get; } = legendHeight;
    public float MaxPanelAspect { get; } = maxPanelAspect;

    public PixelRect[] GetSubplotRectangles(SubplotCollection subplots, PixelRect figureRect)
    {
        float width = figureRect.Width, height = figureRect.Height;
        float title = Math.Min(TitleHeight, height / 3), legend = Math.Min(LegendHeight, height / 3);
        float panelWidth = width / Columns, panelHeight = (height - title - legend) / Rows;
        float spare = 0;
        if (panelHeight > MaxPanelAspect * panelWidth)
        {
            spare = (panelHeight - MaxPanelAspect * panelWidth) * Rows;
            panelHeight = MaxPanelAspect * panelWidth;
        }
        float titleTop = figureRect.Top + spare / 2, panelTop = titleTop + title, legendTop = panelTop + Rows * panelHeight;
        var rects = new List<PixelRect>(subplots.Count);
        for (int r = 0; r < Rows; r++)
            for (int c = 0; c < Columns; c++)
            {
                float left = figureRect.Left + c * panelWidth, top = panelTop + r * panelHeight;
                rects.Add(new PixelRect(left, left + panelWidth, top + panelHeight, top));
            }
        if (TitleHeight > 0) rects.Add(new PixelRect(figureRect.Left, figureRect.Right, titleTop + title, titleTop));
        if (LegendHeight > 0) rects.Add(new PixelRect(figureRect.Left, figureRect.Right, legendTop + legend, legendTop));
        if (rects.Count != subplots.Count)
            throw new InvalidOperationException($"The figure layout has {rects.Count} places but the figure has {subplots.Count} subplots.");
        return rects.ToArray();
    }

    /// <summary>Builds a figure: the panels, then a title band when <paramref name="title"/> is given, then a legend band when <paramref name="legend"/> has items.</summary>
    public static Multiplot Compose(int rows, int columns, IReadOnlyList<Plot> panels, string? title, IReadOnlyList<LegendItem>? legend, float legendHeight,
        float maxPanelAspect = float.PositiveInfinity)
    {
        if (panels.Count != rows * columns) throw new ArgumentException($"Expected {rows * columns} panels; got {panels.Count}.", nameof(panels));
        var figure = new Multiplot(panels[0]);   // starts with that one subplot
        foreach (var p in panels.Skip(1)) figure.AddPlot(p);
        bool hasTitle = !string.IsNullOrEmpty(title), hasLegend = legend is { Count: > 0 };
        if (hasTitle)
        {
            var band = PlotTheme.NewBand();
            band.Axes.Title.IsVisible = true;
            band.Title(title!);
            band.Axes.Title.Label.FontSize = PlotTheme.TitleSize + 1;
            figure.AddPlot(band);
        }
        if (hasLegend)
        {
            var band = PlotTheme.NewBand();
            band.Legend.ManualItems.AddRange(legend!);
            band.Legend.IsVisible = true;
            band.Legend.DisplayPlottableLegendItems = false;
            band.Legend.Alignment = Alignment.MiddleCenter;
            band.Legend.Orientation = Orientation.Horizontal;
            figure.AddPlot(band);
        }
        figure.Layout = new FigureLayout(rows, columns, hasTitle ? 40 : 0, hasLegend ? legendHeight : 0, maxPanelAspect);
        return figure;
    }
}

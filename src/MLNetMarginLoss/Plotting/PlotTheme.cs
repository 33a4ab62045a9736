using ScottPlot;

namespace MLNetMarginLoss.Plotting;

/// <summary>
/// The look shared by every plot: a sans-serif font (DejaVu Sans, else Liberation Sans or Arial when installed),
/// text sizes chosen to stay readable at 800 × 600 (title 17 px, axis labels 14 px, tick labels and legend 12 px)
/// and tick labels with one number format per axis (<see cref="DecimalTicks"/>).
/// </summary>
internal static class PlotTheme
{
    public const float TitleSize = 17;
    public const float LabelSize = 14;
    public const float TickSize = 12;
    public const float LegendSize = 12;

    /// <summary>Marker size, in pixels, of the points of class-coloured scatter plots.</summary>
    public const float PointSize = 5;

    private static readonly Lazy<string?> LazyFont = new(() =>
        new[] { "DejaVu Sans", "Liberation Sans", "Arial", "Helvetica" }.FirstOrDefault(Installed));

    private static bool Installed(string family) =>
        string.Equals(Fonts.GetTypeface(family, bold: false, italic: false)?.FamilyName, family, StringComparison.OrdinalIgnoreCase);

    /// <summary>The font the plots use, or null when none of the preferred fonts is installed (ScottPlot then picks one).</summary>
    public static string? FontName => LazyFont.Value;

    /// <summary>A new plot with the shared look applied.</summary>
    public static Plot NewPlot(string? title = null, string? xLabel = null, string? yLabel = null)
    {
        var plot = new Plot();
        if (FontName is { } font) plot.Font.Set(font);
        plot.Axes.Title.Label.FontSize = TitleSize;
        foreach (var axis in plot.Axes.GetAxes())
        {
            axis.Label.FontSize = LabelSize;
            axis.TickLabelStyle.FontSize = TickSize;
        }
        plot.Axes.Bottom.TickGenerator = new DecimalTicks();
        plot.Axes.Left.TickGenerator = new DecimalTicks();
        plot.Legend.FontSize = LegendSize;
        if (FontName is { } legendFont) plot.Legend.FontName = legendFont;
        if (!string.IsNullOrEmpty(title)) plot.Title(title);
        if (!string.IsNullOrEmpty(xLabel)) plot.XLabel(xLabel);
        if (!string.IsNullOrEmpty(yLabel)) plot.YLabel(yLabel);
        return plot;
    }

    /// <summary>A plot with no axes, grid or frame: a figure-wide title or legend band of a multi-panel figure.</summary>
    public static Plot NewBand()
    {
        var plot = NewPlot();
        plot.Axes.Frameless();
        plot.HideGrid();
        plot.Axes.Title.IsVisible = false;
        return plot;
    }

    /// <summary>A legend entry drawn as a marker.</summary>
    public static LegendItem MarkerItem(string label, Color color, MarkerShape shape = MarkerShape.FilledCircle, float size = 9) => new()
    {
        LabelText = label,
        MarkerShape = shape,
        MarkerSize = size,
        MarkerFillColor = color,
        MarkerLineColor = color,
        MarkerLineWidth = 1.5f,
        LineWidth = 0,
    };
}

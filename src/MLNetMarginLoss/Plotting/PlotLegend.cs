namespace MLNetMarginLoss.Plotting;

/// <summary>Draws a legend: a &lt;g class="legend"&gt; holding one &lt;g class="legend-entry"&gt; (swatch + name) per entry.</summary>
internal static class PlotLegend
{
    public const double RowHeight = 16;

    public static void Draw(SvgWriter svg, double x, double y, IEnumerable<(string Name, string Color)> entries, bool lineSwatch = false)
    {
        svg.BeginGroup("legend");
        int row = 0;
        foreach (var (name, color) in entries)
        {
            double ry = y + row * RowHeight;
            svg.BeginGroup("legend-entry");
            if (lineSwatch) svg.Line(x, ry + 6, x + 14, ry + 6, color, 2.5);
            else svg.Rect(x, ry, 10, 10, color, null, "swatch");
            svg.Text(x + 18, ry + 9.5, name, 11);
            svg.EndGroup();
            row++;
        }
        svg.EndGroup();
    }

    /// <summary>A width that fits the longest name (about 6.5 px per character at 11 px).</summary>
    public static double Width(IEnumerable<string> names) => 26 + 6.5 * names.DefaultIfEmpty("").Max(n => n.Length);
}

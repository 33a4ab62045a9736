using System.Globalization;

namespace MLNetMarginLoss.Plotting;

/// <summary>
/// A rectangular data panel inside an SVG: maps data coordinates to pixels (linear, or base-10 logarithmic
/// on x) and draws the frame, grid, ticks and axis labels.
/// </summary>
internal sealed class PlotArea
{
    public PlotArea(double left, double top, double width, double height, double xMin, double xMax, double yMin, double yMax, bool logX = false)
    {
        if (logX && !(xMin > 0)) throw new ArgumentOutOfRangeException(nameof(xMin), xMin, "A logarithmic x axis needs a positive minimum.");
        if (!(xMax > xMin)) { xMin -= 0.5; xMax = xMin + 1; }
        if (!(yMax > yMin)) { yMin -= 0.5; yMax = yMin + 1; }
        Left = left; Top = top; Width = width; Height = height;
        XMin = xMin; XMax = xMax; YMin = yMin; YMax = yMax; LogX = logX;
    }

    public double Left { get; }
    public double Top { get; }
    public double Width { get; }
    public double Height { get; }
    public double XMin { get; }
    public double XMax { get; }
    public double YMin { get; }
    public double YMax { get; }
    public bool LogX { get; }

    /// <summary>Pixel x of a data x.</summary>
    public double X(double v) => LogX
        ? Left + (Math.Log10(v) - Math.Log10(XMin)) / (Math.Log10(XMax) - Math.Log10(XMin)) * Width
        : Left + (v - XMin) / (XMax - XMin) * Width;

    /// <summary>Pixel y of a data y.</summary>
    public double Y(double v) => Top + (YMax - v) / (YMax - YMin) * Height;

    /// <summary>Whether a data point can be drawn on this panel.</summary>
    public bool CanPlot(double x, double y) => double.IsFinite(x) && double.IsFinite(y) && (!LogX || x > 0);

    /// <summary>Draws the background, grid, ticks, frame, title and axis labels.</summary>
    public void DrawAxes(SvgWriter svg, string? title, string? xLabel, string? yLabel, bool drawGrid = true)
    {
        svg.BeginGroup("axes");
        svg.Rect(Left, Top, Width, Height, "#ffffff", "#444444", "frame");
        foreach (var t in XTicks())
        {
            double px = X(t);
            if (drawGrid) svg.Line(px, Top, px, Top + Height, "#e6e6e6", 1);
            svg.Line(px, Top + Height, px, Top + Height + 4, "#444444", 1);
            svg.Text(px, Top + Height + 16, FormatTick(t, LogX), 10, "middle");
        }
        foreach (var t in NiceTicks(YMin, YMax, 6))
        {
            double py = Y(t);
            if (drawGrid) svg.Line(Left, py, Left + Width, py, "#e6e6e6", 1);
            svg.Line(Left - 4, py, Left, py, "#444444", 1);
            svg.Text(Left - 6, py + 3.5, FormatTick(t, false), 10, "end");
        }
        svg.Rect(Left, Top, Width, Height, "none", "#444444");
        if (!string.IsNullOrEmpty(title)) svg.Text(Left + Width / 2, Top - 10, title, 14, "middle", "title");
        if (!string.IsNullOrEmpty(xLabel)) svg.Text(Left + Width / 2, Top + Height + 34, xLabel, 12, "middle", "x-label");
        if (!string.IsNullOrEmpty(yLabel)) svg.Text(Left - 40, Top + Height / 2, yLabel, 12, "middle", "y-label", -90);
        svg.EndGroup();
    }

    private IEnumerable<double> XTicks()
    {
        if (!LogX) return NiceTicks(XMin, XMax, 6);
        var ticks = new List<double>();
        for (int e = (int)Math.Ceiling(Math.Log10(XMin) - 1e-9); e <= (int)Math.Floor(Math.Log10(XMax) + 1e-9); e++) ticks.Add(Math.Pow(10, e));
        return ticks;
    }

    /// <summary>Ticks at 1, 2 or 5 × 10^k steps covering [min, max], about <paramref name="target"/> of them.</summary>
    public static List<double> NiceTicks(double min, double max, int target)
    {
        var ticks = new List<double>();
        double span = max - min;
        if (!(span > 0) || !double.IsFinite(span)) { ticks.Add(min); return ticks; }
        double raw = span / Math.Max(1, target);
        double mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = (raw / mag) switch { <= 1 => 1, <= 2 => 2, <= 5 => 5, _ => 10 } * mag;
        for (double t = Math.Ceiling(min / step - 1e-9) * step; t <= max + step * 1e-9; t += step)
            ticks.Add(Math.Abs(t) < step * 1e-9 ? 0 : t);
        return ticks;
    }

    private static string FormatTick(double v, bool log)
    {
        var inv = CultureInfo.InvariantCulture;
        if (log) return v >= 1e-3 && v <= 1e3 ? v.ToString("0.###", inv) : "1e" + Math.Round(Math.Log10(v)).ToString(inv);
        return Math.Round(v, 6).ToString("0.######", inv);
    }

    /// <summary>Rounds a data range outwards to tick steps, with a small margin.</summary>
    public static (double Min, double Max) PaddedRange(double min, double max)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max)) return (0, 1);
        if (max <= min) return (min - 1, max + 1);
        double pad = (max - min) * 0.05;
        return (min - pad, max + pad);
    }
}

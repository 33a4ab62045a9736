using ScottPlot;

namespace MLNetMarginLoss.Plotting;

/// <summary>
/// Class colours: the ten "tab10" colours (matplotlib's default cycle), then, for class 10 and up, hues
/// stepped by the golden angle (137.5°) at alternating lightness so that neighbouring classes stay apart.
/// </summary>
public static class PlotPalette
{
    private static readonly string[] Tab10 =
        ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    /// <summary>The colour of class (or series) <paramref name="index"/>; the same index always gives the same colour.</summary>
    public static Color Color(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        if (index < Tab10.Length) return ScottPlot.Color.FromHex(Tab10[index]);
        double hue = index * 137.508 % 360;
        return FromHsl(hue, 0.65, index % 2 == 0 ? 0.45 : 0.6);
    }

    private static Color FromHsl(double h, double s, double l)
    {
        double c = (1 - Math.Abs(2 * l - 1)) * s, x = c * (1 - Math.Abs(h / 60 % 2 - 1)), m = l - c / 2;
        (double r, double g, double b) = h switch
        {
            < 60 => (c, x, 0.0), < 120 => (x, c, 0.0), < 180 => (0.0, c, x),
            < 240 => (0.0, x, c), < 300 => (x, 0.0, c), _ => (c, 0.0, x),
        };
        static byte B(double v) => (byte)Math.Round(Math.Clamp(v, 0, 1) * 255);
        return new Color(B(r + m), B(g + m), B(b + m));
    }
}

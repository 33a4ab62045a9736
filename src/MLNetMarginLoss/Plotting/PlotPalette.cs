using System.Globalization;

namespace MLNetMarginLoss.Plotting;

/// <summary>Class colours: the ten "tab10" colours, then evenly spaced hues for further classes.</summary>
public static class PlotPalette
{
    private static readonly string[] Tab10 =
        ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    /// <summary>The colour of class (or series) <paramref name="index"/>, as #rrggbb.</summary>
    public static string Color(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        if (index < Tab10.Length) return Tab10[index];
        // Golden-angle hue steps keep neighbouring indices apart.
        double hue = (index * 137.508) % 360;
        return FromHsl(hue, 0.65, index % 2 == 0 ? 0.45 : 0.6);
    }

    private static string FromHsl(double h, double s, double l)
    {
        double c = (1 - Math.Abs(2 * l - 1)) * s, x = c * (1 - Math.Abs(h / 60 % 2 - 1)), m = l - c / 2;
        (double r, double g, double b) = h switch
        {
            < 60 => (c, x, 0.0), < 120 => (x, c, 0.0), < 180 => (0.0, c, x),
            < 240 => (0.0, x, c), < 300 => (x, 0.0, c), _ => (c, 0.0, x),
        };
        static int B(double v) => (int)Math.Round(Math.Clamp(v, 0, 1) * 255);
        return string.Create(CultureInfo.InvariantCulture, $"#{B(r + m):x2}{B(g + m):x2}{B(b + m):x2}");
    }
}

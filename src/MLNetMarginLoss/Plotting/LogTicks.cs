using System.Globalization;
using ScottPlot;

namespace MLNetMarginLoss.Plotting;

/// <summary>
/// Ticks for an axis that shows log₁₀ of the data: major ticks at whole exponents e, labelled 10^e written out in
/// fixed-point decimals ("0.0001", "0.001", "0.01", "0.1", "1" — one notation for every label), minor ticks at
/// log₁₀(k · 10^e) for k = 2…9.
/// </summary>
internal sealed class LogTicks : ITickGenerator
{
    public Tick[] Ticks { get; set; } = [];

    public int MaxTickCount { get; set; } = 1000;

    public void Regenerate(CoordinateRange range, Edge edge, PixelLength size, Paint paint, LabelStyle labelStyle)
    {
        double lo = Math.Min(range.Min, range.Max), hi = Math.Max(range.Min, range.Max);
        var ticks = new List<Tick>();
        if (double.IsFinite(lo) && double.IsFinite(hi) && hi - lo < 60)
        {
            for (int e = (int)Math.Floor(lo); e <= (int)Math.Ceiling(hi); e++)
            {
                if (e >= lo - 1e-9 && e <= hi + 1e-9) ticks.Add(Tick.Major(e, Label(e)));
                for (int k = 2; k <= 9; k++)
                {
                    double p = e + Math.Log10(k);
                    if (p >= lo && p <= hi) ticks.Add(Tick.Minor(p));
                }
            }
        }
        Ticks = ticks.Take(MaxTickCount).ToArray();
    }

    /// <summary>10^<paramref name="exponent"/> in fixed-point decimals: −3 → "0.001", 0 → "1", 2 → "100".</summary>
    public static string Label(int exponent) => exponent >= 0
        ? Math.Pow(10, exponent).ToString("F0", CultureInfo.InvariantCulture)
        : "0." + new string('0', -exponent - 1) + "1";
}

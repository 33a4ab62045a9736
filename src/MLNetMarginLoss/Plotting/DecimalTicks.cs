using System.Globalization;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace MLNetMarginLoss.Plotting;

/// <summary>
/// ScottPlot's automatic numeric ticks, relabelled so that every label on an axis uses one notation: fixed-point
/// with the same number of decimals (the fewest that write every tick exactly, at most 8), or, when the largest
/// tick magnitude is at least 10⁶ or the smallest non-zero step is below 10⁻⁶, scientific notation for all of
/// them. Labels use the invariant culture. No "1e-4" beside "0.001", no "3" beside "2.5".
/// </summary>
internal sealed class DecimalTicks : ITickGenerator
{
    private readonly NumericAutomatic _inner = new() { TickDensity = 0.6 };

    /// <summary>Only whole-number ticks (for epochs and component numbers).</summary>
    public bool IntegerTicksOnly
    {
        get => _inner.IntegerTicksOnly;
        init => _inner.IntegerTicksOnly = value;
    }

    public Tick[] Ticks { get; set; } = [];

    public int MaxTickCount
    {
        get => _inner.MaxTickCount;
        set => _inner.MaxTickCount = value;
    }

    public void Regenerate(CoordinateRange range, Edge edge, PixelLength size, Paint paint, LabelStyle labelStyle)
    {
        _inner.Regenerate(range, edge, size, paint, labelStyle);
        var ticks = _inner.Ticks;
        var labels = Format(ticks.Where(t => t.IsMajor).Select(t => t.Position).ToArray());
        var result = new Tick[ticks.Length];
        int m = 0;
        for (int i = 0; i < ticks.Length; i++)
            result[i] = ticks[i].IsMajor ? Tick.Major(ticks[i].Position, labels[m++]) : Tick.Minor(ticks[i].Position);
        Ticks = result;
    }

    /// <summary>
    /// About <paramref name="target"/> ticks from <paramref name="min"/> to <paramref name="max"/> at a step of
    /// 1, 2 or 5 × 10^k (at least 1 when <paramref name="integersOnly"/>).
    /// </summary>
    public static List<double> NiceSteps(double min, double max, int target, bool integersOnly = false)
    {
        var ticks = new List<double>();
        double span = max - min;
        if (!(span > 0) || !double.IsFinite(span)) { ticks.Add(min); return ticks; }
        double raw = span / Math.Max(1, target);
        double mag = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = (raw / mag) switch { <= 1 => 1, <= 2 => 2, <= 5 => 5, _ => 10 } * mag;
        if (integersOnly) step = Math.Max(1, Math.Round(step));
        for (double t = Math.Ceiling(min / step - 1e-9) * step; t <= max + step * 1e-9; t += step)
            ticks.Add(Math.Abs(t) < step * 1e-9 ? 0 : t);
        return ticks;
    }

    /// <summary>Labels for tick positions, all in one notation (see the class summary).</summary>
    public static string[] Format(IReadOnlyList<double> positions)
    {
        var inv = CultureInfo.InvariantCulture;
        if (positions.Count == 0) return [];
        double maxAbs = positions.Max(Math.Abs);
        double minStep = double.PositiveInfinity;
        for (int i = 1; i < positions.Count; i++)
        {
            double step = Math.Abs(positions[i] - positions[i - 1]);
            if (step > 0) minStep = Math.Min(minStep, step);
        }
        if (maxAbs >= 1e6 || minStep < 1e-6)
            return positions.Select(p => p == 0 ? "0" : p.ToString("0.###E+0", inv)).ToArray();
        int decimals = 0;
        while (decimals < 8 && positions.Any(p => Math.Abs(p * Math.Pow(10, decimals) - Math.Round(p * Math.Pow(10, decimals))) > 1e-6))
            decimals++;
        string fmt = "F" + decimals.ToString(inv);
        return positions.Select(p =>
        {
            var s = p.ToString(fmt, inv);
            return s.StartsWith('-') && s.Trim('-', '0', '.').Length == 0 ? s[1..] : s;
        }).ToArray();
    }
}

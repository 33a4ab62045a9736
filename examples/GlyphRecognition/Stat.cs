using System.Globalization;

namespace Examples;

/// <summary>Mean ± sample standard deviation of a metric over seeds, as the results tables print it.</summary>
internal static class Stat
{
    /// <summary>"0.9123 ± 0.0045" (or just the mean for one value); with <paramref name="signed"/>, the mean carries its sign.</summary>
    public static string Format<T>(IReadOnlyList<T> runs, Func<T, double> metric, bool signed = false) => Format(runs.Select(metric).ToList(), signed);

    /// <summary>"0.9123 ± 0.0045" (or just the mean for one value); with <paramref name="signed"/>, the mean carries its sign.</summary>
    public static string Format(IReadOnlyList<double> values, bool signed = false)
    {
        if (values.Count == 0) return "–";
        double mean = values.Average();
        string m = (signed && mean >= 0 ? "+" : "") + mean.ToString("F4", CultureInfo.InvariantCulture);
        if (values.Count == 1) return m;
        double sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
        return $"{m} ± {sd.ToString("F4", CultureInfo.InvariantCulture)}";
    }
}

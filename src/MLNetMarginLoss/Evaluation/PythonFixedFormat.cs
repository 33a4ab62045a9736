using System.Globalization;

namespace MLNetMarginLoss.Evaluation;

/// <summary>
/// Fixed-point formatting that matches Python's <c>format(x, '.Nf')</c>: the exact binary value is rounded
/// to N decimals, and an exact tie goes to the even digit (Python gives 0.125 → "0.12" where .NET's "F2"
/// gives "0.13"). Used so that reports read digit for digit like scikit-learn's.
/// </summary>
internal static class PythonFixedFormat
{
    /// <summary>Formats <paramref name="value"/> with <paramref name="decimals"/> digits after the point.</summary>
    public static string Format(double value, int decimals)
    {
        if (!double.IsFinite(value)) return double.IsNaN(value) ? "nan" : value > 0 ? "inf" : "-inf";
        var inv = CultureInfo.InvariantCulture;
        // .NET prints the exact binary expansion when asked for enough digits; a double's nearest
        // non-tie neighbour differs from a tie far earlier than 30 extra digits for |x| < 1e6.
        string exact = value.ToString("F" + (decimals + 30), inv);
        int point = exact.IndexOf('.');
        string tail = exact[(point + 1 + decimals)..];
        bool tie = tail[0] == '5' && tail.AsSpan(1).IndexOfAnyExcept('0') < 0;
        if (!tie) return value.ToString("F" + decimals, inv);
        // Exact tie: truncate, then round up only if the last kept digit is odd.
        string truncated = exact[..(point + 1 + decimals)].TrimEnd('.');
        if (decimals == 0) truncated = exact[..point];
        char last = truncated[^1];
        if ((last - '0') % 2 == 0) return truncated;
        double step = Math.Pow(10, -decimals) * Math.Sign(value);
        return (double.Parse(truncated, inv) + step).ToString("F" + decimals, inv);
    }
}

namespace MLNetMarginLoss.Heads;

/// <summary>Validation of head hyper-parameters with messages that name the head, the value and the accepted range.</summary>
internal static class HeadArguments
{
    /// <summary>Returns the scale, or the default for <paramref name="classCount"/>; throws when it is not positive and finite.</summary>
    public static double Scale(string head, double? scale, int classCount)
    {
        double s = scale ?? HeadDefaults.DefaultScale(classCount);
        if (!double.IsFinite(s) || s <= 0)
            throw new ArgumentOutOfRangeException(nameof(scale), s, $"The {head} head needs a positive finite scale s, got {s}.");
        return s;
    }

    /// <summary>Throws unless lo ≤ value &lt; hi (or ≤ hi when <paramref name="hiInclusive"/>).</summary>
    public static double InRange(string head, string name, double value, double lo, double hi, bool hiInclusive = false, string? hint = null)
    {
        bool ok = double.IsFinite(value) && value >= lo && (hiInclusive ? value <= hi : value < hi);
        if (!ok)
        {
            string range = $"[{Format(lo)}, {Format(hi)}{(hiInclusive ? "]" : ")")}";
            throw new ArgumentOutOfRangeException(name, value,
                $"The {head} head's {name} must lie in {range}{(hint is null ? "" : " " + hint)}, got {value}.");
        }
        return value;
    }

    /// <summary>Throws unless value &gt; lo.</summary>
    public static double Above(string head, string name, double value, double lo)
    {
        if (!double.IsFinite(value) || value <= lo)
            throw new ArgumentOutOfRangeException(name, value, $"The {head} head's {name} must be a finite number above {Format(lo)}, got {value}.");
        return value;
    }

    /// <summary>Throws unless there is at least one centre per class.</summary>
    public static int SubCenters(string head, int? subCenters, int fallback)
    {
        int k = subCenters ?? fallback;
        if (k < 1)
            throw new ArgumentOutOfRangeException(nameof(subCenters), k, $"The {head} head needs at least 1 centre per class (SubCenters ≥ 1), got {k}.");
        return k;
    }

    private static string Format(double v) =>
        Math.Abs(v - Math.PI / 2) < 1e-12 ? "π/2" : Math.Abs(v - Math.PI) < 1e-12 ? "π" : v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture);
}

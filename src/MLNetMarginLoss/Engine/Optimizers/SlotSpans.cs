namespace MLNetMarginLoss.Engine.Optimizers;

/// <summary>
/// The state arrays of one parameter (or of one row of a large parameter) as an update rule sees them: up to three
/// spans, in the order of the optimizer's slot kinds (e.g. Adam's exp_avg, exp_avg_sq[, max_exp_avg_sq]).
/// </summary>
internal readonly ref struct SlotSpans
{
    private readonly Span<float> _a, _b, _c;

    /// <summary>Wraps the given spans (unused ones empty).</summary>
    public SlotSpans(Span<float> a = default, Span<float> b = default, Span<float> c = default)
    {
        _a = a;
        _b = b;
        _c = c;
    }

    /// <summary>Slot <paramref name="index"/> (0–2).</summary>
    public Span<float> this[int index] => index switch
    {
        0 => _a,
        1 => _b,
        2 => _c,
        _ => throw new ArgumentOutOfRangeException(nameof(index), index, "An update rule has at most three state slots."),
    };

    /// <summary>The spans of <paramref name="arrays"/> (up to three).</summary>
    public static SlotSpans Of(float[][] arrays) => arrays.Length switch
    {
        0 => default,
        1 => new(arrays[0]),
        2 => new(arrays[0], arrays[1]),
        _ => new(arrays[0], arrays[1], arrays[2]),
    };
}

namespace MLNetMarginLoss.Heads;

/// <summary>
/// Which <see cref="HeadOptions"/> each head uses, in one table, so that an option a head would not use is refused
/// with a clear error instead of being ignored (e.g. <c>Margin</c> on MagFace, whose margin runs from
/// <c>LowerMargin</c> to <c>UpperMargin</c> with the feature norm). <see cref="HeadOptions.Options"/> lists the options
/// that are set.
/// </summary>
internal static class HeadOptionRules
{
    private static readonly string[] Cosine = [nameof(HeadOptions.Scale), nameof(HeadOptions.SubCenters)];
    private static readonly string[] ExactOrStraight = [nameof(HeadOptions.StraightThrough)];

    private static readonly Dictionary<HeadKind, string[]> Used = new()
    {
        [HeadKind.Softmax] = [],
        [HeadKind.NormSoftmax] = Cosine,
        [HeadKind.AdaCos] = Cosine,
        [HeadKind.CosFace] = [.. Cosine, nameof(HeadOptions.Margin)],
        [HeadKind.ArcFace] = [.. Cosine, .. ExactOrStraight, nameof(HeadOptions.Margin), nameof(HeadOptions.EasyMargin)],
        [HeadKind.SubCenter] = [.. Cosine, .. ExactOrStraight, nameof(HeadOptions.Margin), nameof(HeadOptions.EasyMargin), nameof(HeadOptions.DropThresholdDegrees)],
        [HeadKind.Combined] = [.. Cosine, .. ExactOrStraight, nameof(HeadOptions.Margin), nameof(HeadOptions.M1), nameof(HeadOptions.M2), nameof(HeadOptions.M3)],
        [HeadKind.SphereFace] = [.. Cosine, .. ExactOrStraight, nameof(HeadOptions.Margin), nameof(HeadOptions.LambdaBase), nameof(HeadOptions.LambdaGamma), nameof(HeadOptions.LambdaPower), nameof(HeadOptions.LambdaMin)],
        [HeadKind.Curricular] = [.. Cosine, .. ExactOrStraight, nameof(HeadOptions.Margin), nameof(HeadOptions.Momentum)],
        [HeadKind.MagFace] = [.. Cosine, .. ExactOrStraight, nameof(HeadOptions.EasyMargin), nameof(HeadOptions.LowerNorm), nameof(HeadOptions.UpperNorm), nameof(HeadOptions.LowerMargin), nameof(HeadOptions.UpperMargin), nameof(HeadOptions.RegularizerWeight)],
        [HeadKind.AdaFace] = [.. Cosine, .. ExactOrStraight, nameof(HeadOptions.Margin), nameof(HeadOptions.NormConcentration), nameof(HeadOptions.Momentum)],
        [HeadKind.ElasticFace] = [.. Cosine, .. ExactOrStraight, nameof(HeadOptions.Margin), nameof(HeadOptions.MarginStd), nameof(HeadOptions.ElasticCosine)],
    };

    /// <summary>The options <paramref name="kind"/> uses.</summary>
    public static IReadOnlyList<string> UsedBy(HeadKind kind) => Used[kind];

    /// <summary>The heads that use <paramref name="option"/>, by name.</summary>
    public static IEnumerable<string> HeadsUsing(string option) =>
        Used.Where(u => u.Value.Contains(option)).Select(u => HeadFactory.Name(u.Key));

    /// <summary>Throws when <paramref name="options"/> sets something <paramref name="kind"/> does not use.</summary>
    /// <exception cref="ArgumentException">Names the option, the head, why, and the heads that do use it.</exception>
    public static void Check(HeadKind kind, HeadOptions? options)
    {
        if (options is null) return;
        var used = Used[kind];
        foreach (var option in options.Options())
        {
            if (used.Contains(option)) continue;
            string head = HeadFactory.Name(kind);
            string hint = (kind, option) switch
            {
                (HeadKind.MagFace, nameof(HeadOptions.Margin)) => " (its margin runs from LowerMargin to UpperMargin with the feature norm; set those)",
                (HeadKind.Softmax, _) => " (the plain softmax head is a linear layer with bias: no scale, no margin)",
                (_, nameof(HeadOptions.StraightThrough)) => " (its target derivative is already that of s·cos θ_y)",
                _ => "",
            };
            throw new ArgumentException(
                $"The {head} head does not use HeadOptions.{option}{hint}; remove it, or choose a head that uses it ({string.Join(", ", HeadsUsing(option))}).",
                nameof(options));
        }
    }
}

namespace MLNetMarginLoss.Heads;

/// <summary>
/// CosFace / AM-Softmax (large-margin cosine loss): target logit s·(cos θ_y − m), non-targets s·cos θ_j.
/// Defaults: m = 0.35 (valid range [0, 1)), s = <see cref="HeadDefaults.DefaultScale"/>, K = 1.
/// </summary>
internal sealed class CosFaceHead : CosineMarginHead
{
    /// <summary>Creates the head; <see cref="HeadOptions.Scale"/>, <see cref="HeadOptions.Margin"/> and <see cref="HeadOptions.SubCenters"/> apply.</summary>
    public CosFaceHead(int embeddingSize, int classCount, HeadOptions? options = null)
        : base(embeddingSize, classCount,
            HeadArguments.SubCenters("cosface", options?.SubCenters, 1),
            HeadArguments.Scale("cosface", options?.Scale, classCount), false)
    {
        Margin = HeadArguments.InRange(Kind, "margin", options?.Margin ?? HeadDefaults.CosFaceMargin, 0, 1);
    }

    /// <inheritdoc />
    public override string Kind => "cosface";

    /// <summary>The cosine margin m.</summary>
    public double Margin { get; }

    /// <inheritdoc />
    protected override double TargetValue(int row, double cosine, out double dCosine, out double dNorm)
    {
        dCosine = 1;
        dNorm = 0;
        return cosine - Margin;
    }

    /// <inheritdoc />
    public override HeadOptions GetOptions() => new() { Scale = InitialScale, Margin = Margin, SubCenters = SubCenters };
}

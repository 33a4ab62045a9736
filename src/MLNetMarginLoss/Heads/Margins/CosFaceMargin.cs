namespace MLNetMarginLoss.Heads;

/// <summary>
/// CosFace / AM-Softmax (large-margin cosine loss): target logit s·(cos θ_y − m), non-targets s·cos θ_j.
/// Defaults: m = 0.35 (valid range [0, 1)), s = <see cref="HeadDefaults.DefaultScale"/>.
/// </summary>
internal sealed class CosFaceMargin : MarginFunction
{
    /// <summary>Creates the margin; scale and margin apply.</summary>
    public CosFaceMargin(int classCount, HeadOptions? options)
        : base("cosface", classCount, HeadArguments.Scale("cosface", options?.Scale, classCount), false)
    {
        Margin = HeadArguments.InRange(Kind, "margin", options?.Margin ?? HeadDefaults.CosFaceMargin, 0, 1);
    }

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
    public override HeadOptions GetOptions() => new() { Scale = InitialScale, Margin = Margin };
}

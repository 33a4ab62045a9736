namespace MLNetMarginLoss.Heads;

/// <summary>
/// Normalised softmax (ArcMarginProduct without margin): every logit is s·cos θ_j, the target included.
/// Defaults: s = <see cref="HeadDefaults.DefaultScale"/> (8.19 for 10 classes: the smallest s at which a sample on its centre reaches confidence 0.999).
/// </summary>
internal sealed class NormSoftmaxMargin(int classCount, HeadOptions? options)
    : MarginFunction("normsoftmax", classCount, HeadArguments.Scale("normsoftmax", options?.Scale, classCount), false)
{
    /// <inheritdoc />
    protected override double TargetValue(int row, double cosine, out double dCosine, out double dNorm)
    {
        dCosine = 1;
        dNorm = 0;
        return cosine;
    }

    /// <inheritdoc />
    public override HeadOptions GetOptions() => new() { Scale = InitialScale };
}

namespace MLNetMarginLoss.Heads;

/// <summary>
/// Normalised softmax (ArcMarginProduct without margin): every logit is s·cos θ_j, the target included.
/// Defaults: s = <see cref="HeadDefaults.DefaultScale"/> (softmax confidence 0.999 reachable, at least 4), K = 1 centre per class.
/// </summary>
internal sealed class NormSoftmaxHead : CosineMarginHead
{
    /// <summary>Creates the head; <see cref="HeadOptions.Scale"/> and <see cref="HeadOptions.SubCenters"/> apply.</summary>
    public NormSoftmaxHead(int embeddingSize, int classCount, HeadOptions? options = null)
        : base(embeddingSize, classCount,
            HeadArguments.SubCenters("normsoftmax", options?.SubCenters, 1),
            HeadArguments.Scale("normsoftmax", options?.Scale, classCount), false)
    {
    }

    /// <inheritdoc />
    public override string Kind => "normsoftmax";

    /// <inheritdoc />
    protected override double TargetValue(int row, double cosine, out double dCosine, out double dNorm)
    {
        dCosine = 1;
        dNorm = 0;
        return cosine;
    }

    /// <inheritdoc />
    public override HeadOptions GetOptions() => new() { Scale = InitialScale, SubCenters = SubCenters };
}

namespace MLNetMarginLoss.Engine.Optimizers;

/// <summary>
/// AdamW with PyTorch's semantics (<c>torch.optim.AdamW</c>): the weight decay is decoupled from the gradient,
/// p ← p − lr·wd·p, applied before the Adam update, which then uses the plain gradient.
/// </summary>
internal sealed class AdamW : Optimizer
{
    /// <summary>Creates an AdamW optimizer.</summary>
    /// <param name="groups">Parameter groups.</param>
    /// <param name="learningRate">Base learning rate (≥ 0).</param>
    /// <param name="beta1">First-moment decay, in [0, 1).</param>
    /// <param name="beta2">Second-moment decay, in [0, 1).</param>
    /// <param name="epsilon">Added to the denominator for stability (≥ 0).</param>
    /// <param name="weightDecay">Decoupled weight decay (≥ 0).</param>
    /// <param name="amsgrad">Use the AMSGrad variant (the running maximum of v).</param>
    public AdamW(IEnumerable<ParameterGroup> groups, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f,
        float epsilon = 1e-8f, float weightDecay = 0.01f, bool amsgrad = false)
        : base(groups, learningRate, Validated(beta1, beta2, epsilon, weightDecay),
            amsgrad ? ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"] : ["exp_avg", "exp_avg_sq"])
    {
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        AmsGrad = amsgrad;
    }

    /// <summary>First-moment decay β₁.</summary>
    public float Beta1 { get; }

    /// <summary>Second-moment decay β₂.</summary>
    public float Beta2 { get; }

    /// <summary>ε added to the denominator.</summary>
    public float Epsilon { get; }

    /// <summary>Whether the AMSGrad variant is used.</summary>
    public bool AmsGrad { get; }

    private static float Validated(float beta1, float beta2, float epsilon, float weightDecay)
    {
        AdamKernel.Validate(beta1, beta2, epsilon, weightDecay);
        return weightDecay;
    }

    /// <inheritdoc />
    protected override void UpdateParameter(Span<float> value, ReadOnlySpan<float> gradient, SlotSpans slots,
        long step, float learningRate, float weightDecay) =>
        AdamKernel.Apply(value, gradient, slots[0], slots[1], AmsGrad ? slots[2] : default, step, learningRate,
            l2: 0f, decoupledDecay: weightDecay, Beta1, Beta2, Epsilon);
}

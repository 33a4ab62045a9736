using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MLNetMarginLoss.Engine.Optimizers;

/// <summary>
/// The fused element-wise Adam update shared by <see cref="Adam"/> (L2 decay added to the gradient) and
/// <see cref="AdamW"/> (decoupled decay applied to the parameter first). Arithmetic follows PyTorch's
/// single-tensor implementation; scalars (bias corrections, step size) are computed in double.
/// </summary>
internal static class AdamKernel
{
    /// <summary>Applies one Adam step to one parameter.</summary>
    /// <param name="value">Parameter values, updated in place.</param>
    /// <param name="gradient">Gradient.</param>
    /// <param name="expAvg">First-moment estimate m.</param>
    /// <param name="expAvgSq">Second-moment estimate v.</param>
    /// <param name="maxExpAvgSq">Running maximum of v (AMSGrad), or empty.</param>
    /// <param name="step">The parameter's 1-based step number.</param>
    /// <param name="learningRate">Effective learning rate.</param>
    /// <param name="l2">L2 coefficient added to the gradient (Adam's weight decay).</param>
    /// <param name="decoupledDecay">Decoupled decay: p ← p·(1 − lr·decay) before the update (AdamW's weight decay).</param>
    /// <param name="beta1">First-moment decay.</param>
    /// <param name="beta2">Second-moment decay.</param>
    /// <param name="epsilon">Added to the bias-corrected √v.</param>
    public static void Apply(Span<float> value, ReadOnlySpan<float> gradient, Span<float> expAvg, Span<float> expAvgSq,
        Span<float> maxExpAvgSq, long step, float learningRate, float l2, float decoupledDecay,
        float beta1, float beta2, float epsilon)
    {
        float shrink = (float)(1.0 - (double)learningRate * decoupledDecay);
        float oneMinusBeta1 = (float)(1.0 - beta1);
        float oneMinusBeta2 = (float)(1.0 - beta2);
        double biasCorrection1 = 1.0 - Math.Pow(beta1, step);
        double biasCorrection2 = 1.0 - Math.Pow(beta2, step);
        float negStepSize = (float)(-learningRate / biasCorrection1);
        float biasCorrection2Sqrt = (float)Math.Sqrt(biasCorrection2);

        ref float p = ref MemoryMarshal.GetReference(value);
        ref float g = ref MemoryMarshal.GetReference(gradient);
        ref float m = ref MemoryMarshal.GetReference(expAvg);
        ref float v = ref MemoryMarshal.GetReference(expAvgSq);
        bool amsgrad = !maxExpAvgSq.IsEmpty;
        ref float vMax = ref amsgrad ? ref MemoryMarshal.GetReference(maxExpAvgSq) : ref v;
        int n = value.Length, i = 0;

        var vShrink = Vector512.Create(shrink);
        var vL2 = Vector512.Create(l2);
        var vBeta1 = Vector512.Create(beta1);
        var vBeta2 = Vector512.Create(beta2);
        var vOneMinusBeta1 = Vector512.Create(oneMinusBeta1);
        var vOneMinusBeta2 = Vector512.Create(oneMinusBeta2);
        var vNegStepSize = Vector512.Create(negStepSize);
        var vBc2Sqrt = Vector512.Create(biasCorrection2Sqrt);
        var vEps = Vector512.Create(epsilon);
        for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
        {
            var pv = Vector512.LoadUnsafe(ref p, (nuint)i) * vShrink;
            var d = Vector512.LoadUnsafe(ref g, (nuint)i) + vL2 * pv;
            var mv = vBeta1 * Vector512.LoadUnsafe(ref m, (nuint)i) + vOneMinusBeta1 * d;
            var vv = vBeta2 * Vector512.LoadUnsafe(ref v, (nuint)i) + vOneMinusBeta2 * d * d;
            mv.StoreUnsafe(ref m, (nuint)i);
            vv.StoreUnsafe(ref v, (nuint)i);
            if (amsgrad)
            {
                vv = Vector512.Max(Vector512.LoadUnsafe(ref vMax, (nuint)i), vv);
                vv.StoreUnsafe(ref vMax, (nuint)i);
            }
            var denom = Vector512.Sqrt(vv) / vBc2Sqrt + vEps;
            (pv + vNegStepSize * (mv / denom)).StoreUnsafe(ref p, (nuint)i);
        }
        for (; i < n; i++)
        {
            ref float pi = ref Unsafe.Add(ref p, i);
            float pv = pi * shrink;
            float d = Unsafe.Add(ref g, i) + l2 * pv;
            ref float mi = ref Unsafe.Add(ref m, i);
            ref float vi = ref Unsafe.Add(ref v, i);
            float mv = beta1 * mi + oneMinusBeta1 * d;
            float vv = beta2 * vi + oneMinusBeta2 * d * d;
            mi = mv;
            vi = vv;
            if (amsgrad)
            {
                ref float maxi = ref Unsafe.Add(ref vMax, i);
                vv = MathF.Max(maxi, vv);
                maxi = vv;
            }
            float denom = MathF.Sqrt(vv) / biasCorrection2Sqrt + epsilon;
            pi = pv + negStepSize * (mv / denom);
        }
    }

    /// <summary>Validates the hyper-parameters shared by Adam and AdamW.</summary>
    public static void Validate(float beta1, float beta2, float epsilon, float weightDecay)
    {
        if (!float.IsFinite(beta1) || beta1 < 0f || beta1 >= 1f)
            throw new ArgumentOutOfRangeException(nameof(beta1), beta1, $"beta1 must be in [0, 1), got {beta1}.");
        if (!float.IsFinite(beta2) || beta2 < 0f || beta2 >= 1f)
            throw new ArgumentOutOfRangeException(nameof(beta2), beta2, $"beta2 must be in [0, 1), got {beta2}.");
        if (!float.IsFinite(epsilon) || epsilon < 0f)
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, $"epsilon must be finite and ≥ 0, got {epsilon}.");
        if (!float.IsFinite(weightDecay) || weightDecay < 0f)
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, $"weightDecay must be finite and ≥ 0, got {weightDecay}.");
    }
}

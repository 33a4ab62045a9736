using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MLNetMarginLoss.Engine.Optimizers;

/// <summary>
/// Adadelta with PyTorch's semantics (<c>torch.optim.Adadelta</c>), the optimizer of the PyTorch MNIST tutorial:
/// <code>
/// d = g + wd·p
/// s = ρ·s + (1 − ρ)·d²
/// Δ = √(a + ε) / √(s + ε) · d
/// a = ρ·a + (1 − ρ)·Δ²
/// p = p − lr·Δ
/// </code>
/// </summary>
internal sealed class Adadelta : Optimizer
{
    /// <summary>Creates an Adadelta optimizer.</summary>
    /// <param name="groups">Parameter groups.</param>
    /// <param name="learningRate">Base learning rate, a scale on Δ (≥ 0; PyTorch's default is 1).</param>
    /// <param name="rho">Decay of the running averages, in [0, 1].</param>
    /// <param name="epsilon">Added inside the square roots (≥ 0).</param>
    /// <param name="weightDecay">L2 penalty added to the gradient (≥ 0).</param>
    public Adadelta(IEnumerable<ParameterGroup> groups, float learningRate = 1f, float rho = 0.9f, float epsilon = 1e-6f,
        float weightDecay = 0f)
        : base(groups, learningRate, Validated(rho, epsilon, weightDecay), ["square_avg", "acc_delta"])
    {
        Rho = rho;
        Epsilon = epsilon;
    }

    /// <summary>Decay ρ of the running averages.</summary>
    public float Rho { get; }

    /// <summary>ε added inside the square roots.</summary>
    public float Epsilon { get; }

    private static float Validated(float rho, float epsilon, float weightDecay)
    {
        RequireInRange(rho, 0f, 1f, maxInclusive: true, nameof(rho));
        RequireNonNegative(epsilon, nameof(epsilon));
        RequireNonNegative(weightDecay, nameof(weightDecay));
        return weightDecay;
    }

    /// <inheritdoc />
    protected override void UpdateParameter(Span<float> value, ReadOnlySpan<float> gradient, SlotSpans slots,
        long step, float learningRate, float weightDecay)
    {
        float rho = Rho, eps = Epsilon, oneMinusRho = (float)(1.0 - rho), negLr = -learningRate;
        ref float p = ref MemoryMarshal.GetReference(value);
        ref float g = ref MemoryMarshal.GetReference(gradient);
        ref float s = ref MemoryMarshal.GetReference(slots[0]);
        ref float a = ref MemoryMarshal.GetReference(slots[1]);
        int n = value.Length, i = 0;
        var vRho = Vector512.Create(rho);
        var vOneMinusRho = Vector512.Create(oneMinusRho);
        var vEps = Vector512.Create(eps);
        var vNegLr = Vector512.Create(negLr);
        var vWd = Vector512.Create(weightDecay);
        for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
        {
            var pv = Vector512.LoadUnsafe(ref p, (nuint)i);
            var d = Vector512.LoadUnsafe(ref g, (nuint)i) + vWd * pv;
            var sv = vRho * Vector512.LoadUnsafe(ref s, (nuint)i) + vOneMinusRho * d * d;
            sv.StoreUnsafe(ref s, (nuint)i);
            var av = Vector512.LoadUnsafe(ref a, (nuint)i);
            var delta = Vector512.Sqrt(av + vEps) / Vector512.Sqrt(sv + vEps) * d;
            (vRho * av + vOneMinusRho * delta * delta).StoreUnsafe(ref a, (nuint)i);
            (pv + vNegLr * delta).StoreUnsafe(ref p, (nuint)i);
        }
        for (; i < n; i++)
        {
            ref float pi = ref Unsafe.Add(ref p, i);
            ref float si = ref Unsafe.Add(ref s, i);
            ref float ai = ref Unsafe.Add(ref a, i);
            float d = Unsafe.Add(ref g, i) + weightDecay * pi;
            float sv = rho * si + oneMinusRho * d * d;
            si = sv;
            float delta = MathF.Sqrt(ai + eps) / MathF.Sqrt(sv + eps) * d;
            ai = rho * ai + oneMinusRho * delta * delta;
            pi += negLr * delta;
        }
    }
}

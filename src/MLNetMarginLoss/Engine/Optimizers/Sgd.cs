using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MLNetMarginLoss.Engine.Optimizers;

/// <summary>
/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and L2 weight decay,
/// with PyTorch's semantics (<c>torch.optim.SGD</c>):
/// <code>
/// d = g + wd·p
/// buf = d                              (first step of the parameter)
/// buf = momentum·buf + (1 − dampening)·d  (later steps)
/// d = nesterov ? d + momentum·buf : buf     (when momentum ≠ 0)
/// p = p − lr·d
/// </code>
/// </summary>
internal sealed class Sgd : Optimizer
{
    /// <summary>State kind of the momentum buffer (PyTorch's key).</summary>
    public const string MomentumBufferSlot = "momentum_buffer";

    /// <summary>Creates an SGD optimizer.</summary>
    /// <param name="groups">Parameter groups.</param>
    /// <param name="learningRate">Base learning rate (≥ 0).</param>
    /// <param name="momentum">Momentum factor (≥ 0); 0 disables the momentum buffer.</param>
    /// <param name="dampening">Dampening of the momentum (in [0, 1]).</param>
    /// <param name="nesterov">Use Nesterov momentum; needs momentum &gt; 0 and zero dampening.</param>
    /// <param name="weightDecay">L2 penalty added to the gradient (≥ 0).</param>
    public Sgd(IEnumerable<ParameterGroup> groups, float learningRate, float momentum = 0f, float dampening = 0f,
        bool nesterov = false, float weightDecay = 0f)
        : base(groups, learningRate, Validate(weightDecay, momentum, dampening, nesterov),
            momentum != 0f ? [MomentumBufferSlot] : [])
    {
        Momentum = momentum;
        Dampening = dampening;
        Nesterov = nesterov;
    }

    /// <summary>Momentum factor.</summary>
    public float Momentum { get; }

    /// <summary>Dampening of the momentum.</summary>
    public float Dampening { get; }

    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; }

    private static float Validate(float weightDecay, float momentum, float dampening, bool nesterov)
    {
        RequireNonNegative(momentum, nameof(momentum));
        RequireInRange(dampening, 0f, 1f, maxInclusive: true, nameof(dampening));
        RequireNonNegative(weightDecay, nameof(weightDecay));
        if (nesterov && (momentum <= 0f || dampening != 0f))
            throw new ArgumentException(
                $"Nesterov momentum requires momentum > 0 and zero dampening, got momentum {momentum} and dampening {dampening}.",
                nameof(nesterov));
        return weightDecay;
    }

    /// <inheritdoc />
    protected override void UpdateParameter(Span<float> value, ReadOnlySpan<float> gradient, SlotSpans slots,
        long step, float learningRate, float weightDecay)
    {
        if (Momentum == 0f) Plain(value, gradient, learningRate, weightDecay);
        else WithMomentum(value, gradient, slots[0], step == 1, learningRate, weightDecay);
    }

    private static void Plain(Span<float> value, ReadOnlySpan<float> gradient, float learningRate, float weightDecay)
    {
        ref float p = ref MemoryMarshal.GetReference(value);
        ref float g = ref MemoryMarshal.GetReference(gradient);
        int n = value.Length, i = 0;
        float negLr = -learningRate;
        var vNegLr = Vector512.Create(negLr);
        var vWd = Vector512.Create(weightDecay);
        for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
        {
            var pv = Vector512.LoadUnsafe(ref p, (nuint)i);
            var d = Vector512.LoadUnsafe(ref g, (nuint)i) + vWd * pv;
            (pv + vNegLr * d).StoreUnsafe(ref p, (nuint)i);
        }
        for (; i < n; i++)
        {
            ref float pi = ref Unsafe.Add(ref p, i);
            float d = Unsafe.Add(ref g, i) + weightDecay * pi;
            pi += negLr * d;
        }
    }

    private void WithMomentum(Span<float> value, ReadOnlySpan<float> gradient, Span<float> buffer, bool first,
        float learningRate, float weightDecay)
    {
        ref float p = ref MemoryMarshal.GetReference(value);
        ref float g = ref MemoryMarshal.GetReference(gradient);
        ref float b = ref MemoryMarshal.GetReference(buffer);
        int n = value.Length, i = 0;
        float negLr = -learningRate, momentum = Momentum;
        // On a parameter's first step the buffer becomes d itself: 0·buf + 1·d is exactly d (buf is zero then).
        float keep = first ? 0f : momentum;
        float scale = first ? 1f : 1f - Dampening;
        bool nesterov = Nesterov;
        var vNegLr = Vector512.Create(negLr);
        var vWd = Vector512.Create(weightDecay);
        var vKeep = Vector512.Create(keep);
        var vScale = Vector512.Create(scale);
        var vMomentum = Vector512.Create(momentum);
        for (; i <= n - Vector512<float>.Count; i += Vector512<float>.Count)
        {
            var pv = Vector512.LoadUnsafe(ref p, (nuint)i);
            var d = Vector512.LoadUnsafe(ref g, (nuint)i) + vWd * pv;
            var buf = vKeep * Vector512.LoadUnsafe(ref b, (nuint)i) + vScale * d;
            buf.StoreUnsafe(ref b, (nuint)i);
            d = nesterov ? d + vMomentum * buf : buf;
            (pv + vNegLr * d).StoreUnsafe(ref p, (nuint)i);
        }
        for (; i < n; i++)
        {
            ref float pi = ref Unsafe.Add(ref p, i);
            ref float bi = ref Unsafe.Add(ref b, i);
            float d = Unsafe.Add(ref g, i) + weightDecay * pi;
            float buf = keep * bi + scale * d;
            bi = buf;
            d = nesterov ? d + momentum * buf : buf;
            pi += negLr * d;
        }
    }
}

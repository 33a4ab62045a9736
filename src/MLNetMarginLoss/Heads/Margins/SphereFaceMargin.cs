using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Heads;

/// <summary>
/// SphereFace (A-Softmax), multiplicative angular margin with an integer m ≥ 1:
/// ψ(θ) = (−1)^k·cos(mθ) − 2k, k = ⌊mθ/π⌋ (continuous and decreasing on [0, π]), blended with cos θ:
/// target logit s·(λ·cos θ_y + ψ(θ_y)) / (1 + λ), non-targets s·cos θ_j, where
/// λ = max(λmin, base·(1 + γ·iteration)^(−power)) is annealed over training iterations (defaults base 1000,
/// γ 0.12, power 1, λmin 5, as in the reference Caffe layer). The margin counts its own training iterations
/// (one per training forward pass; the count is the <c>iteration</c> buffer, saved with the model), using λ of the
/// count before incrementing it.
/// <para>
/// Form: this head normalises x and scales by s (the "normalised" A-Softmax), rather than the original
/// logit ‖x‖·ψ(θ). With the feature norm kept, the logit scale is whatever the encoder happens to output
/// (tiny at initialisation, unbounded later), so the same m trains very differently on different encoders;
/// with s the head behaves like the rest of the family, uses the same s, and Predict = s·cos θ.
/// cos(mθ) and its derivative are evaluated as Chebyshev polynomials T_m(cos θ) and m·U_{m−1}(cos θ), which
/// have no 1/sin θ singularity.
/// </para>
/// Defaults: m = 4 (valid 1–10, integer), s = <see cref="HeadDefaults.DefaultScale"/>.
/// </summary>
internal sealed class SphereFaceMargin : MarginFunction
{
    private readonly Parameter _iteration = new("iteration", 1);
    private double _lambda;

    /// <summary>Creates the margin; scale, margin, straight-through and the λ schedule options apply.</summary>
    public SphereFaceMargin(int classCount, HeadOptions? options)
        : base("sphereface", classCount, HeadArguments.Scale("sphereface", options?.Scale, classCount), options?.StraightThrough ?? false)
    {
        double m = options?.Margin ?? HeadDefaults.SphereFaceMargin;
        if (!double.IsFinite(m) || m != Math.Floor(m) || m < 1 || m > 10)
            throw new ArgumentOutOfRangeException(nameof(options), m, $"The sphereface head needs an integer margin m in 1–10, got {m}.");
        Margin = (int)m;
        LambdaBase = HeadArguments.Above(Kind, "lambda base", options?.LambdaBase ?? HeadDefaults.SphereFaceLambdaBase, 0);
        LambdaGamma = HeadArguments.InRange(Kind, "lambda gamma", options?.LambdaGamma ?? HeadDefaults.SphereFaceLambdaGamma, 0, double.MaxValue, true);
        LambdaPower = HeadArguments.InRange(Kind, "lambda power", options?.LambdaPower ?? HeadDefaults.SphereFaceLambdaPower, 0, double.MaxValue, true);
        LambdaMin = HeadArguments.InRange(Kind, "lambda min", options?.LambdaMin ?? HeadDefaults.SphereFaceLambdaMin, 0, double.MaxValue, true);
        _lambda = LambdaAt(0);
    }

    /// <summary>The integer multiplicative margin m.</summary>
    public int Margin { get; }

    /// <summary>λ annealing base.</summary>
    public double LambdaBase { get; }

    /// <summary>λ annealing γ.</summary>
    public double LambdaGamma { get; }

    /// <summary>λ annealing power.</summary>
    public double LambdaPower { get; }

    /// <summary>λ floor.</summary>
    public double LambdaMin { get; }

    /// <summary>Training iterations counted so far.</summary>
    public long Iteration => (long)_iteration.Value[0];

    /// <summary>λ used by the last forward pass (before any, λ of iteration 0).</summary>
    public double Lambda => _lambda;

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> Buffers => [_iteration];

    /// <summary>λ = max(λmin, base·(1 + γ·iteration)^(−power)).</summary>
    public double LambdaAt(long iteration) =>
        Math.Max(LambdaMin, LambdaBase * Math.Pow(1 + LambdaGamma * iteration, -LambdaPower));

    /// <inheritdoc />
    protected override void OnForward(bool training, ReadOnlySpan<double> totals)
    {
        _lambda = LambdaAt(Iteration);
        if (training) _iteration.Value[0] += 1;
    }

    /// <inheritdoc />
    public override void ResetState(SeededRandom random)
    {
        _iteration.Value[0] = 0;
        _lambda = LambdaAt(0);
    }

    /// <summary>ψ(θ) = (−1)^k·T_m(cos θ) − 2k and dψ/dcos θ = (−1)^k·m·U_{m−1}(cos θ), k = ⌊mθ/π⌋.</summary>
    internal static double Psi(int m, double cosine, out double dCosine)
    {
        double t0 = 1, t1 = cosine, u0 = 1, u1 = 2 * cosine; // T_0, T_1, U_0, U_1
        double tm = m == 0 ? t0 : t1, um1 = u0;                // T_m, U_{m−1}
        for (int q = 2; q <= m; q++)
        {
            double t2 = 2 * cosine * t1 - t0;
            t0 = t1; t1 = t2;
            tm = t1;
            um1 = u1;
            double u2 = 2 * cosine * u1 - u0;
            u0 = u1; u1 = u2;
        }
        int k = (int)Math.Floor(m * Math.Acos(cosine) / Math.PI);
        k = Math.Clamp(k, 0, m - 1);
        double sign = (k & 1) == 0 ? 1 : -1;
        dCosine = sign * m * um1;
        return sign * tm - 2 * k;
    }

    /// <inheritdoc />
    protected override double TargetValue(int row, double cosine, out double dCosine, out double dNorm)
    {
        dNorm = 0;
        double psi = Psi(Margin, cosine, out double dPsi);
        double lambda = _lambda;
        dCosine = (lambda + dPsi) / (1 + lambda);
        return (lambda * cosine + psi) / (1 + lambda);
    }

    /// <inheritdoc />
    public override HeadOptions GetOptions() => new()
    {
        Scale = InitialScale, Margin = Margin, StraightThrough = StraightThrough,
        LambdaBase = LambdaBase, LambdaGamma = LambdaGamma, LambdaPower = LambdaPower, LambdaMin = LambdaMin,
    };
}

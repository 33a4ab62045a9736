using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Heads;

/// <summary>
/// ElasticFace (elastic margins): in each training forward pass every sample draws its own margin
/// m_i ~ N(m, σ) from the margin's seeded generator (reset by <see cref="ResetState"/>), clipped at 0;
/// non-training forward passes use m_i = m. ElasticFace-Arc (default): target logit s·cos(θ_y + m_i) with
/// ArcFace's fallback s·(cos θ_y − m_i·sin m_i) beyond θ_y + m_i &gt; π (the reference code has none; the
/// fallback keeps the logit monotonic); ElasticFace-Cos (<see cref="HeadOptions.ElasticCosine"/>):
/// s·(cos θ_y − m_i). Non-targets s·cos θ_j. The sampled margins are constants in backward.
/// Defaults: m = 0.5 (Arc, range [0, π/2)) or 0.35 (Cos, range [0, 1)), σ = 0.05, s = <see cref="HeadDefaults.DefaultScale"/>.
/// </summary>
internal sealed class ElasticFaceMargin : MarginFunction
{
    private SeededRandom _random = new(0x5EED);
    private double[] _margins = [];

    /// <summary>Creates the margin; scale, margin, σ, the cosine form and straight-through apply.</summary>
    public ElasticFaceMargin(int classCount, HeadOptions? options)
        : base("elasticface", classCount, HeadArguments.Scale("elasticface", options?.Scale, classCount), options?.StraightThrough ?? false)
    {
        UseCosine = options?.ElasticCosine ?? false;
        Margin = UseCosine
            ? HeadArguments.InRange(Kind, "margin", options?.Margin ?? HeadDefaults.ElasticCosMargin, 0, 1)
            : HeadArguments.InRange(Kind, "margin", options?.Margin ?? HeadDefaults.ElasticArcMargin, 0, Math.PI / 2, hint: "(radians)");
        MarginStd = HeadArguments.InRange(Kind, "margin standard deviation σ", options?.MarginStd ?? HeadDefaults.ElasticMarginStd, 0, 1, hiInclusive: true);
    }

    /// <summary>The mean margin m.</summary>
    public double Margin { get; }

    /// <summary>The margin standard deviation σ.</summary>
    public double MarginStd { get; }

    /// <summary>True for ElasticFace-Cos, false for ElasticFace-Arc.</summary>
    public bool UseCosine { get; }

    /// <summary>The margin of each row in the last forward pass.</summary>
    public ReadOnlySpan<double> LastMargins => _margins.AsSpan(0, Rows);

    /// <inheritdoc />
    public override void ResetState(SeededRandom random) => _random = random.Fork();

    /// <summary>Restarts the margin generator from <paramref name="seed"/> (tests replay a batch's margins).</summary>
    internal void ReseedMargins(long seed) => _random = new SeededRandom(seed);

    /// <inheritdoc />
    public override void SeedRandomness(SeededRandom random) => _random = random.Fork();

    /// <inheritdoc />
    protected override void OnForward(bool training, ReadOnlySpan<double> totals)
    {
        int n = Rows;
        if (_margins.Length < n) _margins = new double[n];
        double upper = UseCosine ? 1 - 1e-9 : Math.PI / 2 - 1e-9;
        for (int i = 0; i < n; i++)
            _margins[i] = training ? Math.Clamp(Margin + MarginStd * _random.NextGaussian(), 0, upper) : Margin;
    }

    /// <inheritdoc />
    protected override double TargetValue(int row, double cosine, out double dCosine, out double dNorm)
    {
        dNorm = 0;
        double m = _margins[row];
        if (UseCosine)
        {
            dCosine = 1;
            return cosine - m;
        }
        return AdditiveAngularMargin.Apply(cosine, m, false, out dCosine, out _);
    }

    /// <inheritdoc />
    public override HeadOptions GetOptions() => new()
    {
        Scale = InitialScale, Margin = Margin, MarginStd = MarginStd, ElasticCosine = UseCosine, StraightThrough = StraightThrough,
    };
}

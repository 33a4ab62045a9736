using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Heads;

/// <summary>
/// AdaFace (quality-adaptive margin): the feature norm ‖x_i‖ (clipped to [0.001, 100], no gradient) is
/// normalised by running batch statistics, ẑ_i = clip(h·(‖x_i‖ − μ)/(σ + 0.001), −1, 1), and sets both an
/// angular and an additive margin: target logit s·(cos(clip(θ_y − m·ẑ_i, ε, π − ε)) − (m + m·ẑ_i)) with
/// ε = 0.001 (high-norm, good-quality samples get an ArcFace-like margin, low-norm ones a CosFace-like one);
/// non-targets s·cos θ_j. μ and σ (the unbiased batch standard deviation) are EMAs updated in each training
/// forward pass before the logits: μ ← α·mean + (1 − α)·μ, σ ← α·std + (1 − α)·σ with α = momentum 0.01 (the
/// paper's 0.99 decay; σ only from batches of 2+ rows); they start at μ = 20, σ = 100 (reference code) and are
/// the buffers <c>batch_mean</c>, <c>batch_std</c>, constants in backward. Cosines are clamped with ε = 0.001.
/// Defaults: m = 0.4 (range [0, 1)), h = 0.333, s = <see cref="HeadDefaults.DefaultScale"/>.
/// </summary>
internal sealed class AdaFaceMargin : MarginFunction
{
    private const double Eps = 1e-3;
    private const float InitialMean = 20, InitialStd = 100;
    private readonly Parameter _mean = new("batch_mean", 1);
    private readonly Parameter _std = new("batch_std", 1);
    private double[] _scalers = [];

    /// <summary>Creates the margin; scale, margin, concentration h, momentum and straight-through apply.</summary>
    public AdaFaceMargin(int classCount, HeadOptions? options)
        : base("adaface", classCount, HeadArguments.Scale("adaface", options?.Scale, classCount), options?.StraightThrough ?? false)
    {
        Margin = HeadArguments.InRange(Kind, "margin", options?.Margin ?? HeadDefaults.AdaFaceMargin, 0, 1);
        Concentration = HeadArguments.Above(Kind, "concentration h", options?.NormConcentration ?? HeadDefaults.AdaFaceConcentration, 0);
        Momentum = HeadArguments.InRange(Kind, "momentum", options?.Momentum ?? HeadDefaults.Momentum, 1e-12, 1, hiInclusive: true);
        _mean.Value[0] = InitialMean;
        _std.Value[0] = InitialStd;
    }

    /// <summary>The margin m.</summary>
    public double Margin { get; }

    /// <summary>The concentration h.</summary>
    public double Concentration { get; }

    /// <summary>EMA momentum α of the norm statistics.</summary>
    public double Momentum { get; }

    /// <summary>Running mean μ of the feature norms.</summary>
    public double BatchMean => _mean.Value[0];

    /// <summary>Running standard deviation σ of the feature norms.</summary>
    public double BatchStd => _std.Value[0];

    /// <inheritdoc />
    public override double CosineEpsilon => Eps;

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> Buffers => [_mean, _std];

    /// <inheritdoc />
    public override void ResetState(SeededRandom random)
    {
        _mean.Value[0] = InitialMean;
        _std.Value[0] = InitialStd;
    }

    /// <inheritdoc />
    protected override void OnForward(bool training, ReadOnlySpan<double> totals)
    {
        int n = Rows;
        if (_scalers.Length < n) _scalers = new double[n];
        var norms = FeatureNorms;
        if (training && n > 0)
        {
            double sum = 0;
            for (int i = 0; i < n; i++) sum += SafeNorm(norms[i]);
            double mean = sum / n;
            _mean.Value[0] = (float)(Momentum * mean + (1 - Momentum) * _mean.Value[0]);
            if (n > 1)
            {
                double squares = 0;
                for (int i = 0; i < n; i++) { double d = SafeNorm(norms[i]) - mean; squares += d * d; }
                double std = Math.Sqrt(squares / (n - 1));
                _std.Value[0] = (float)(Momentum * std + (1 - Momentum) * _std.Value[0]);
            }
        }
        double mu = _mean.Value[0], sigma = _std.Value[0];
        for (int i = 0; i < n; i++)
            _scalers[i] = Math.Clamp(Concentration * (SafeNorm(norms[i]) - mu) / (sigma + Eps), -1, 1);
    }

    private static double SafeNorm(float norm) => Math.Clamp(norm, 0.001, 100);

    /// <summary>The norm scaler ẑ of each row of the last forward pass.</summary>
    public ReadOnlySpan<double> LastScalers => _scalers.AsSpan(0, Rows);

    /// <inheritdoc />
    protected override double TargetValue(int row, double cosine, out double dCosine, out double dNorm)
    {
        dNorm = 0;
        double z = _scalers[row];
        double theta = Math.Acos(cosine);
        double shifted = theta - Margin * z;
        double clipped = Math.Clamp(shifted, Eps, Math.PI - Eps);
        double sin = Math.Sqrt(Math.Max(0, 1 - cosine * cosine));
        dCosine = clipped == shifted && sin > 0 ? Math.Sin(clipped) / sin : 0;
        return Math.Cos(clipped) - (Margin + Margin * z);
    }

    /// <inheritdoc />
    public override HeadOptions GetOptions() => new()
    {
        Scale = InitialScale, Margin = Margin, NormConcentration = Concentration, Momentum = Momentum, StraightThrough = StraightThrough,
    };
}

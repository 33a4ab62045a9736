using System.Numerics.Tensors;
using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Heads;

/// <summary>
/// AdaCos (adaptive scale, no margin): every logit is s·cos θ_j, and each training forward pass first updates
/// s from the batch (with the previous s): B_avg = (1/N)·Σ_i Σ_{j≠y_i} e^{s·cos θ_ij}, θ_med = the median of
/// θ_{y_i} (the lower middle value for an even N, as <c>torch.median</c>), s ← ln(B_avg) / cos(min(π/4, θ_med)).
/// The new s scales that batch's logits; it is a constant in backward. An update that would not be a positive
/// finite number (B_avg ≤ 1 happens with few, well-separated classes) leaves s unchanged.
/// <para>
/// B_avg needs every non-target class: <see cref="LocalStatistics"/> sums e^{s·cos θ_ij} over the batch's non-target
/// columns and counts them; with all C classes as columns the estimate is exact, with a Partial FC sample (or a
/// rank's shard, summed over ranks) it is (C − 1) × the mean over the sampled non-targets, an unbiased estimate.
/// </para>
/// s is the <c>scale</c> buffer, saved with the model and frozen at inference (Predict = s·cos θ) and in
/// non-training forward passes. Initial s = <see cref="HeadOptions.Scale"/> or
/// <see cref="HeadDefaults.DefaultScale"/> (8.19 for 10 classes; the paper starts from √2·ln(C − 1), pass it as the scale to follow it).
/// </summary>
internal sealed class AdaCosMargin : MarginFunction
{
    private readonly Parameter _scale = new("scale", 1);
    private double[] _targetAngles = [];
    private float[] _exponentials = [];

    /// <summary>Creates the margin; <see cref="HeadOptions.Scale"/> (initial s) applies.</summary>
    public AdaCosMargin(int classCount, HeadOptions? options)
        : base("adacos", classCount, HeadArguments.Scale("adacos", options?.Scale, classCount), false)
    {
        _scale.Value[0] = (float)InitialScale;
    }

    /// <summary>The current adaptive scale (the <c>scale</c> buffer).</summary>
    public override double Scale => _scale.Value[0];

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> Buffers => [_scale];

    /// <inheritdoc />
    public override void ResetState(SeededRandom random) => _scale.Value[0] = (float)InitialScale;

    /// <inheritdoc />
    public override int StatisticsLength => 2;

    /// <summary>[Σ e^{s·cos θ_ij} over the batch's non-target entries, their number].</summary>
    public override void LocalStatistics(MarginBatch batch, Span<double> sums)
    {
        int n = batch.Rows, c = batch.Columns;
        double s = Scale, sum = 0, count = 0;
        if (_exponentials.Length < c) _exponentials = new float[c];
        var exp = _exponentials.AsSpan(0, c);
        for (int i = 0; i < n; i++)
        {
            var cos = batch.Cosines.Row(i);
            int y = batch.Labels[i];
            if (s < 80)
            {
                // e^{s·cos} ≤ e^80 fits a float: vectorised exponentials, summed in double per row.
                TensorPrimitives.Multiply(cos, (float)s, exp);
                TensorPrimitives.Exp(exp, exp);
                sum += (double)TensorPrimitives.Sum(exp) - (y >= 0 ? exp[y] : 0);
            }
            else
            {
                for (int j = 0; j < cos.Length; j++)
                    if (j != y) sum += Math.Exp(s * cos[j]);
            }
            count += y >= 0 ? c - 1 : c;
        }
        sums[0] = sum;
        sums[1] = count;
    }

    /// <inheritdoc />
    protected override void OnForward(bool training, ReadOnlySpan<double> totals)
    {
        int n = Rows;
        if (!training || n == 0 || totals[1] <= 0) return;
        if (_targetAngles.Length < n) _targetAngles = new double[n];
        double bAvg = totals[0] / totals[1] * (ClassCount - 1);
        var targets = TargetCosines;
        for (int i = 0; i < n; i++) _targetAngles[i] = Math.Acos(targets[i]);
        var angles = _targetAngles.AsSpan(0, n);
        angles.Sort();
        double median = angles[(n - 1) / 2];
        double next = Math.Log(bAvg) / Math.Cos(Math.Min(Math.PI / 4, median));
        if (double.IsFinite(next) && next > 0) _scale.Value[0] = (float)next;
    }

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

using System.Numerics.Tensors;
using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Heads;

/// <summary>
/// AdaCos (adaptive scale, no margin): every logit is s·cos θ_j, and each training forward pass first updates
/// s from the batch (with the previous s): B_avg = (1/N)·Σ_i Σ_{j≠y_i} e^{s·cos θ_ij}, θ_med = the median of
/// θ_{y_i} (the lower middle value for an even N, as <c>torch.median</c>), s ← ln(B_avg) / cos(min(π/4, θ_med)).
/// The new s scales that batch's logits; it is a constant in backward. An update that would not be a positive
/// finite number (B_avg ≤ 1 happens with few, well-separated classes) leaves s unchanged.
/// s is the <c>scale</c> buffer, saved with the model and frozen at inference (Predict = s·cos θ) and in
/// non-training forward passes. Initial s = <see cref="HeadOptions.Scale"/> or
/// <see cref="HeadDefaults.DefaultScale"/> (8.19 for 10 classes; the paper starts from √2·ln(C − 1), pass it as the scale to follow it).
/// </summary>
internal sealed class AdaCosHead : CosineMarginHead
{
    private readonly Parameter _scale = new("scale", 1);
    private double[] _targetAngles = [];
    private float[] _exponentials = [];

    /// <summary>Creates the head; <see cref="HeadOptions.Scale"/> (initial s) and <see cref="HeadOptions.SubCenters"/> apply.</summary>
    public AdaCosHead(int embeddingSize, int classCount, HeadOptions? options = null)
        : base(embeddingSize, classCount,
            HeadArguments.SubCenters("adacos", options?.SubCenters, 1),
            HeadArguments.Scale("adacos", options?.Scale, classCount), false)
    {
        _scale.Value[0] = (float)InitialScale;
    }

    /// <inheritdoc />
    public override string Kind => "adacos";

    /// <summary>The current adaptive scale (the <c>scale</c> buffer).</summary>
    public override double Scale => _scale.Value[0];

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> Buffers => [_scale];

    /// <inheritdoc />
    protected override void ResetState(SeededRandom random) => _scale.Value[0] = (float)InitialScale;

    /// <inheritdoc />
    protected override void OnForward(bool training)
    {
        int n = Rows;
        if (!training || n == 0) return;
        if (_targetAngles.Length < n) _targetAngles = new double[n];
        if (_exponentials.Length < ClassCount) _exponentials = new float[ClassCount];
        double s = Scale, sum = 0;
        var labels = Labels;
        var exp = _exponentials.AsSpan(0, ClassCount);
        for (int i = 0; i < n; i++)
        {
            var cos = Cosines.Row(i);
            int y = labels[i];
            if (s < 80)
            {
                // e^{s·cos} ≤ e^80 fits a float: vectorised exponentials, summed in double per row.
                TensorPrimitives.Multiply(cos, (float)s, exp);
                TensorPrimitives.Exp(exp, exp);
                sum += (double)TensorPrimitives.Sum(exp) - exp[y];
            }
            else
            {
                for (int j = 0; j < cos.Length; j++)
                    if (j != y) sum += Math.Exp(s * cos[j]);
            }
            _targetAngles[i] = Math.Acos(cos[y]);
        }
        double bAvg = sum / n;
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
    public override HeadOptions GetOptions() => new() { Scale = InitialScale, SubCenters = SubCenters };
}

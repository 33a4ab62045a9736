using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Kernels;
using MLNetMarginLoss.Heads;

namespace MLNetMarginLoss.Tests.Heads;

/// <summary>
/// Central finite differences of L = mean softmax cross-entropy (double) + the head's auxiliary loss with
/// respect to the embeddings and every parameter, against the head's Backward. State the forward pass
/// adapts (buffers) is held fixed while probing, matching "constant in backward".
/// </summary>
internal static class GradientChecker
{
    /// <summary>How the probes see the head's adaptive state.</summary>
    public enum Probe
    {
        /// <summary>Restore the buffers to their pre-forward values and run a training forward each time (state independent of x, e.g. SphereFace's iteration).</summary>
        TrainingFromSameState,
        /// <summary>Run non-training forward passes on the state the first training pass produced (AdaCos s, CurricularFace t, AdaFace statistics).</summary>
        InferenceOnUpdatedState,
    }

    public sealed record Result(double MaxViolation, string Worst, double[] Analytic, double[] Numeric)
    {
        public bool Passed => MaxViolation <= 1;
        public override string ToString() => $"max violation {MaxViolation:G3} (≤ 1 passes) at {Worst}";
    }

    /// <summary>
    /// Checks every component: |analytic − numeric| ≤ rtol·|numeric| + atol·max|numeric over the block|
    /// (a block is the embeddings or one parameter); the violation is the left side over the right side.
    /// </summary>
    public static Result Check(MarginHead head, float[] x, int rows, int[] labels,
        Probe probe = Probe.TrainingFromSameState, Action<MarginHead>? beforeForward = null,
        double step = 1e-3, double rtol = 1e-2, double atol = 3e-3, Func<Tensor, Tensor>? corruptInputGradient = null,
        bool tangentialInputGradientOnly = false, Func<MarginHead, int[]>? labelsOfLogits = null)
    {
        using var context = ComputeContext.Create(GemmProvider.Reference, 1);
        head.Context = context;
        var pre = Snapshot(head);
        var input = Tensor.FromRows(x, rows);

        beforeForward?.Invoke(head);
        var logits = head.Forward(input, labels, training: true);
        var targets = labelsOfLogits?.Invoke(head) ?? labels; // Partial FC: the labels as columns of the sampled logits
        HeadMath.CrossEntropy(logits, targets, out var dLogits);
        var gradient = new Tensor(logits.Rows, logits.Shape);
        for (int i = 0; i < dLogits.Length; i++) gradient.Span[i] = (float)dLogits[i];
        var dx = head.Backward(gradient);
        if (corruptInputGradient is not null) dx = corruptInputGradient(dx);

        var blocks = new List<(string Name, float[] Values, double[] Analytic)>
        {
            ("x", input.Data, dx.Span.ToArray().Select(v => (double)v).ToArray()),
        };
        if (head is CosineMarginHead)
            blocks.Add(("weight", head.WeightValues(), head.WeightGradient().Select(v => (double)v).ToArray()));
        foreach (var p in head.Parameters)
            blocks.Add((p.Name, p.Value, p.Gradient.Select(v => (double)v).ToArray()));

        double Loss()
        {
            Tensor z;
            if (probe == Probe.TrainingFromSameState)
            {
                Restore(head, pre);
                beforeForward?.Invoke(head);
                z = head.Forward(input, labels, training: true);
            }
            else
            {
                z = head.Forward(input, labels, training: false);
            }
            return HeadMath.CrossEntropy(z, labelsOfLogits?.Invoke(head) ?? labels, out _) + head.AuxiliaryLoss;
        }

        double worst = 0;
        string where = "nowhere";
        var allAnalytic = new List<double>();
        var allNumeric = new List<double>();
        foreach (var (name, values, analytic) in blocks)
        {
            var numeric = new double[analytic.Length];
            for (int q = 0; q < analytic.Length; q++)
            {
                float saved = values[q];
                double h = step * Math.Max(1, Math.Abs(saved));
                values[q] = (float)(saved + h);
                double hp = values[q] - saved;
                double up = Loss();
                values[q] = (float)(saved - h);
                double hm = saved - values[q];
                double down = Loss();
                values[q] = saved;
                numeric[q] = (up - down) / (hp + hm);
            }
            if (tangentialInputGradientOnly && name == "x")
            {
                // The head treats ‖x‖ as a constant (AdaFace detaches it), so only the part of ∂L/∂x orthogonal
                // to each x_i is comparable; the head's own radial part must vanish.
                int e = values.Length / rows;
                for (int i = 0; i < rows; i++)
                {
                    var xi = values.AsSpan(i * e, e);
                    double norm = Math.Sqrt(xi.ToArray().Sum(v => (double)v * v));
                    double ra = 0, rn = 0;
                    for (int p = 0; p < e; p++) { ra += analytic[i * e + p] * xi[p] / norm; rn += numeric[i * e + p] * xi[p] / norm; }
                    if (Math.Abs(ra) > 1e-4 * (1 + Math.Abs(rn)))
                        return new Result(double.PositiveInfinity, $"x row {i}: radial gradient {ra:G6} should be 0", analytic, numeric);
                    for (int p = 0; p < e; p++)
                    {
                        analytic[i * e + p] -= ra * xi[p] / norm;
                        numeric[i * e + p] -= rn * xi[p] / norm;
                    }
                }
            }
            double scale = numeric.Max(Math.Abs);
            for (int q = 0; q < analytic.Length; q++)
            {
                double allowed = rtol * Math.Abs(numeric[q]) + atol * scale + 1e-9;
                double v = Math.Abs(analytic[q] - numeric[q]) / allowed;
                if (v > worst)
                {
                    worst = v;
                    where = $"{name}[{q}]: analytic {analytic[q]:G6}, numeric {numeric[q]:G6}";
                }
            }
            allAnalytic.AddRange(analytic);
            allNumeric.AddRange(numeric);
        }
        head.Context = ComputeContext.Default;
        return new Result(worst, where, allAnalytic.ToArray(), allNumeric.ToArray());
    }

    private static float[][] Snapshot(MarginHead head) => head.Buffers.Select(b => (float[])b.Value.Clone()).ToArray();

    private static void Restore(MarginHead head, float[][] state)
    {
        for (int i = 0; i < state.Length; i++) state[i].CopyTo(head.Buffers[i].Value, 0);
    }
}

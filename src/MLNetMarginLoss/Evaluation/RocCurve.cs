namespace MLNetMarginLoss.Evaluation;

/// <summary>
/// The ROC curve of verification scores (higher = more likely "same"), with the summaries face
/// verification uses: AUC, equal error rate and TAR at fixed FAR. Tied scores form one step, so the
/// curve does not depend on the order of the pairs.
/// </summary>
public sealed class RocCurve
{
    private RocCurve(RocPoint[] points, int positives, int negatives)
    {
        Points = points;
        PositiveCount = positives;
        NegativeCount = negatives;
    }

    /// <summary>Operating points from (0, 0) at threshold +∞ to (1, 1) at the lowest score, thresholds decreasing.</summary>
    public IReadOnlyList<RocPoint> Points { get; }

    /// <summary>Number of same (genuine) pairs.</summary>
    public int PositiveCount { get; }

    /// <summary>Number of different (impostor) pairs.</summary>
    public int NegativeCount { get; }

    /// <summary>Builds the curve from pair scores and whether each pair is a same-class pair.</summary>
    public static RocCurve Create(ReadOnlySpan<float> scores, ReadOnlySpan<bool> isSame)
    {
        if (scores.Length != isSame.Length)
            throw new ArgumentException($"Got {scores.Length} scores but {isSame.Length} same/different flags.", nameof(isSame));
        int n = scores.Length;
        int positives = 0;
        for (int i = 0; i < n; i++)
        {
            if (float.IsNaN(scores[i])) throw new ArgumentException($"Score {i} is NaN.", nameof(scores));
            if (isSame[i]) positives++;
        }
        int negatives = n - positives;
        if (positives == 0 || negatives == 0)
            throw new ArgumentException($"A ROC curve needs both same and different pairs; got {positives} same and {negatives} different.", nameof(isSame));

        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        var keys = scores.ToArray();
        Array.Sort(keys, order);           // ascending
        var points = new List<RocPoint>(n + 1) { new(double.PositiveInfinity, 0, 0) };
        int tp = 0, fp = 0;
        for (int i = n - 1; i >= 0;)
        {
            float s = keys[i];
            for (; i >= 0 && keys[i] == s; i--)
                if (isSame[order[i]]) tp++; else fp++;
            points.Add(new RocPoint(s, (double)fp / negatives, (double)tp / positives));
        }
        return new RocCurve(points.ToArray(), positives, negatives);
    }

    /// <summary>Area under the curve (trapezoids; equals the probability that a same pair outscores a different one, ties counting ½).</summary>
    public double Auc
    {
        get
        {
            double area = 0;
            for (int i = 1; i < Points.Count; i++)
                area += (Points[i].FalsePositiveRate - Points[i - 1].FalsePositiveRate) * (Points[i].TruePositiveRate + Points[i - 1].TruePositiveRate) / 2;
            return area;
        }
    }

    /// <summary>
    /// Equal error rate: the rate at which the false-accept rate equals the false-reject rate (1 − TPR),
    /// interpolated linearly along the curve segment where they cross.
    /// </summary>
    public double EqualErrorRate
    {
        get
        {
            for (int i = 1; i < Points.Count; i++)
            {
                var a = Points[i - 1]; var b = Points[i];
                double ga = a.FalsePositiveRate + a.TruePositiveRate - 1;
                double gb = b.FalsePositiveRate + b.TruePositiveRate - 1;
                if (gb < 0) continue;
                if (ga == gb) return b.FalsePositiveRate;
                double t = -ga / (gb - ga);
                return a.FalsePositiveRate + t * (b.FalsePositiveRate - a.FalsePositiveRate);
            }
            return 1;
        }
    }

    /// <summary>
    /// True-accept rate at a false-accept rate of at most <paramref name="falseAcceptRate"/>: the highest TPR of a
    /// point with FPR ≤ the target (no interpolation). NaN when there are fewer than 1/FAR different pairs,
    /// because such a FAR cannot be measured.
    /// </summary>
    public double TrueAcceptRateAt(double falseAcceptRate)
    {
        if (!(falseAcceptRate > 0 && falseAcceptRate <= 1))
            throw new ArgumentOutOfRangeException(nameof(falseAcceptRate), falseAcceptRate, "The false-accept rate must be in (0, 1].");
        if (!IsMeasurable(falseAcceptRate)) return double.NaN;
        double best = 0;
        foreach (var p in Points)
            if (p.FalsePositiveRate <= falseAcceptRate * (1 + 1e-12)) best = Math.Max(best, p.TruePositiveRate);
        return best;
    }

    /// <summary>Whether there are enough different pairs (≥ 1/FAR) to measure <paramref name="falseAcceptRate"/>.</summary>
    public bool IsMeasurable(double falseAcceptRate) => NegativeCount * falseAcceptRate >= 1 - 1e-9;
}

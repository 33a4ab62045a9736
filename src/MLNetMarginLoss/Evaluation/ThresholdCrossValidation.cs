namespace MLNetMarginLoss.Evaluation;

/// <summary>
/// The LFW protocol's verification accuracy: the pairs are split into contiguous folds (10 by default);
/// for each fold, the threshold with the best accuracy on the other folds is chosen and the held-out fold's
/// accuracy at that threshold is recorded. Reports the mean and the standard deviation (population,
/// ddof = 0, as the usual LFW scripts compute it with numpy) of the fold accuracies.
/// </summary>
public sealed class ThresholdCrossValidation
{
    private ThresholdCrossValidation(double[] accuracies, double[] thresholds)
    {
        FoldAccuracies = accuracies;
        FoldThresholds = thresholds;
        MeanAccuracy = accuracies.Average();
        StandardDeviation = Math.Sqrt(accuracies.Select(a => (a - MeanAccuracy) * (a - MeanAccuracy)).Average());
    }

    /// <summary>Held-out accuracy of every fold.</summary>
    public IReadOnlyList<double> FoldAccuracies { get; }

    /// <summary>Threshold chosen (on the other folds) for every fold; a pair is "same" when its score ≥ the threshold.</summary>
    public IReadOnlyList<double> FoldThresholds { get; }

    /// <summary>Mean held-out accuracy.</summary>
    public double MeanAccuracy { get; }

    /// <summary>Population standard deviation of the held-out accuracies.</summary>
    public double StandardDeviation { get; }

    /// <summary>Runs the protocol over pair scores and same/different flags, in their given order.</summary>
    /// <param name="scores">Similarity of every pair.</param>
    /// <param name="isSame">Whether each pair is a same-class pair.</param>
    /// <param name="folds">Number of contiguous folds (fold f holds pairs [f·n/F, (f+1)·n/F)).</param>
    public static ThresholdCrossValidation Evaluate(ReadOnlySpan<float> scores, ReadOnlySpan<bool> isSame, int folds = 10)
    {
        if (scores.Length != isSame.Length)
            throw new ArgumentException($"Got {scores.Length} scores but {isSame.Length} same/different flags.", nameof(isSame));
        if (folds < 2) throw new ArgumentOutOfRangeException(nameof(folds), folds, "Cross-validation needs at least 2 folds.");
        int n = scores.Length;
        if (n < folds) throw new ArgumentException($"{n} pairs cannot be split into {folds} folds.", nameof(scores));
        for (int i = 0; i < n; i++)
            if (float.IsNaN(scores[i])) throw new ArgumentException($"Score {i} is NaN.", nameof(scores));

        var accuracies = new double[folds];
        var thresholds = new double[folds];
        var trainScores = new float[n];
        var trainSame = new bool[n];
        for (int f = 0; f < folds; f++)
        {
            int lo = (int)((long)n * f / folds), hi = (int)((long)n * (f + 1) / folds);
            int m = 0;
            for (int i = 0; i < n; i++)
            {
                if (i >= lo && i < hi) continue;
                trainScores[m] = scores[i]; trainSame[m] = isSame[i]; m++;
            }
            double threshold = BestThreshold(trainScores.AsSpan(0, m), trainSame.AsSpan(0, m));
            int correct = 0;
            for (int i = lo; i < hi; i++)
                if ((scores[i] >= threshold) == isSame[i]) correct++;
            thresholds[f] = threshold;
            accuracies[f] = (double)correct / (hi - lo);
        }
        return new ThresholdCrossValidation(accuracies, thresholds);
    }

    /// <summary>
    /// The threshold with the highest accuracy on the given pairs. Candidates are +∞ (accept nothing), the midpoints
    /// between consecutive distinct scores, and one below the lowest score (accept all); the first best in
    /// decreasing-threshold order wins.
    /// </summary>
    public static double BestThreshold(ReadOnlySpan<float> scores, ReadOnlySpan<bool> isSame)
    {
        int n = scores.Length;
        var keys = scores.ToArray();
        var same = isSame.ToArray();
        Array.Sort(keys, same);
        int positives = same.Count(s => s);
        // Accept nothing: every different pair is right.
        int correct = n - positives, bestCorrect = correct;
        double best = double.PositiveInfinity;
        for (int i = n - 1; i >= 0;)
        {
            float s = keys[i];
            for (; i >= 0 && keys[i] == s; i--) correct += same[i] ? 1 : -1;
            if (correct > bestCorrect)
            {
                bestCorrect = correct;
                best = i >= 0 ? ((double)s + keys[i]) / 2 : s - Math.Max(1.0, Math.Abs((double)s));
            }
        }
        return best;
    }
}

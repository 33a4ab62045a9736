namespace MLNetMarginLoss.Evaluation;

/// <summary>
/// Computes <see cref="MulticlassMetrics"/> from labels and per-row class probabilities the way ML.NET's
/// multiclass evaluator does: classes are ranked by descending score with ties in class order (a stable
/// sort), the predicted class is the first of that ranking, the log-loss of a row is −ln(clamp(p_label, 1e-15, 1))
/// (p as float, as ML.NET), and the prior log-loss used by <see cref="MulticlassMetrics.LogLossReduction"/>
/// is the entropy of the label frequencies.
/// </summary>
internal static class MulticlassEvaluator
{
    private const float Epsilon = (float)1e-15;

    /// <summary>Evaluates <paramref name="probabilities"/> (row-major N×C) against <paramref name="labels"/> (N).</summary>
    /// <param name="labels">True class of every row, in [0, <paramref name="classCount"/>).</param>
    /// <param name="probabilities">Class probabilities, row-major.</param>
    /// <param name="classCount">Number of classes C.</param>
    /// <param name="topKPredictionCount">K for <see cref="MulticlassMetrics.TopKAccuracy"/>; 0 for none.</param>
    /// <param name="classNames">Optional class names for the confusion table.</param>
    public static MulticlassMetrics Evaluate(ReadOnlySpan<int> labels, ReadOnlySpan<float> probabilities, int classCount,
        int topKPredictionCount = 0, IReadOnlyList<string>? classNames = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);
        if (topKPredictionCount < 0 || topKPredictionCount > classCount)
            throw new ArgumentOutOfRangeException(nameof(topKPredictionCount), topKPredictionCount, $"Top-K must be between 0 and the class count ({classCount}).");
        int n = labels.Length;
        if (n == 0) throw new ArgumentException("There are no rows to evaluate (0 labels).", nameof(labels));
        if (probabilities.Length != (long)n * classCount)
            throw new ArgumentException($"Expected {n}×{classCount} = {(long)n * classCount} probabilities for {n} labels; got {probabilities.Length}.", nameof(probabilities));

        var counts = new double[classCount][];
        for (int i = 0; i < classCount; i++) counts[i] = new double[classCount];
        var classInstances = new double[classCount];
        var classLogLoss = new double[classCount];
        var rankHits = new double[classCount];
        double totalLogLoss = 0, correct = 0;

        for (int r = 0; r < n; r++)
        {
            int label = labels[r];
            if ((uint)label >= (uint)classCount)
                throw new ArgumentException($"Label {label} at row {r} is outside [0, {classCount}).", nameof(labels));
            var p = probabilities.Slice(r * classCount, classCount);
            int predicted = 0;
            for (int c = 0; c < classCount; c++)
            {
                if (!float.IsFinite(p[c]))
                    throw new ArgumentException($"Probability of class {c} at row {r} is {p[c]}; scores must be finite.", nameof(probabilities));
                if (p[c] > p[predicted]) predicted = c;
            }
            // Rank of the true label in a stable descending sort: classes scored higher, or equal and earlier.
            float pl = p[label];
            int rank = 0;
            for (int c = 0; c < classCount; c++)
                if (p[c] > pl || (p[c] == pl && c < label)) rank++;
            rankHits[rank]++;

            float clipped = Math.Min(1f, Math.Max(Epsilon, pl));
            double ll = -Math.Log(clipped);
            totalLogLoss += ll;
            classLogLoss[label] += ll;
            classInstances[label]++;
            counts[label][predicted]++;
            if (predicted == label) correct++;
        }

        double micro = n > 0 ? correct / n : 0;
        double macroSum = 0; int nonEmpty = 0;
        for (int c = 0; c < classCount; c++)
            if (classInstances[c] > 0) { nonEmpty++; macroSum += counts[c][c] / classInstances[c]; }
        double macro = nonEmpty > 0 ? macroSum / nonEmpty : 0;
        double logLoss = n > 0 ? totalLogLoss / n : 0;
        double entropy = 0;
        for (int c = 0; c < classCount; c++)
            if (classInstances[c] != 0) entropy += classInstances[c] * Math.Log(classInstances[c] / n);
        entropy /= -n;
        double reduction = (entropy - logLoss) / entropy;

        var perClass = new double[classCount];
        for (int c = 0; c < classCount; c++) perClass[c] = classInstances[c] > 0 ? classLogLoss[c] / classInstances[c] : 0;
        var allK = new double[classCount];
        double cumulative = 0;
        for (int k = 0; k < classCount; k++) { cumulative += rankHits[k]; allK[k] = n > 0 ? cumulative / n : 0; }
        double topK = topKPredictionCount > 0 ? allK[topKPredictionCount - 1] : 0;

        return new MulticlassMetrics(micro, macro, logLoss, reduction, perClass, topKPredictionCount, topK, allK,
            new ConfusionMatrix(counts, classNames));
    }

    /// <summary>The predicted class of every row: the highest probability, the lowest class index on ties.</summary>
    public static int[] PredictedLabels(ReadOnlySpan<float> probabilities, int classCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(classCount);
        if (probabilities.Length % classCount != 0)
            throw new ArgumentException($"{probabilities.Length} probabilities are not a whole number of rows of {classCount} classes.", nameof(probabilities));
        var result = new int[probabilities.Length / classCount];
        MLNetMarginLoss.Engine.Kernels.RowOps.ArgMax(probabilities, classCount, result);
        return result;
    }
}

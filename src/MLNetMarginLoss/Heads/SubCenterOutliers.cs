using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Heads;

/// <summary>
/// Sub-centre ArcFace's noisy-sample cleaning (the paper's second stage): with K centres per class, each class's
/// dominant centre is the one nearest to the largest number of its samples (ties: the lowest index; classes without
/// samples: 0), and a sample farther than the drop threshold (75° by default) from its class's dominant centre is an
/// outlier, which a trainer may drop before continuing.
/// </summary>
internal static class SubCenterOutliers
{
    private const int Block = 1024;

    /// <summary>Each class's dominant centre (0 … K−1) for the data set's encoder outputs <paramref name="embeddings"/> (any norm).</summary>
    public static int[] FindDominantCenters(CosineMarginHead head, Tensor embeddings, ReadOnlySpan<int> labels)
    {
        var (_, nearest) = NearestCentres(head, embeddings, labels);
        return DominantCentres(head, nearest, labels);
    }

    /// <summary>Indices (ascending) of the samples whose angle to their class's dominant centre exceeds <paramref name="thresholdDegrees"/>.</summary>
    public static int[] FindOutliers(CosineMarginHead head, Tensor embeddings, ReadOnlySpan<int> labels, double thresholdDegrees)
    {
        var (cosToCentres, nearest) = NearestCentres(head, embeddings, labels);
        var dominant = DominantCentres(head, nearest, labels);
        double limit = Math.Cos(thresholdDegrees * Math.PI / 180);
        int k = head.SubCenters;
        var outliers = new List<int>();
        for (int i = 0; i < labels.Length; i++)
            if (cosToCentres[i * k + dominant[labels[i]]] < limit) outliers.Add(i);
        return outliers.ToArray();
    }

    private static int[] DominantCentres(CosineMarginHead head, int[] nearest, ReadOnlySpan<int> labels)
    {
        int k = head.SubCenters;
        var counts = new int[head.ClassCount * k];
        for (int i = 0; i < labels.Length; i++) counts[labels[i] * k + nearest[i]]++;
        var dominant = new int[head.ClassCount];
        for (int j = 0; j < head.ClassCount; j++)
        {
            int best = 0;
            for (int q = 1; q < k; q++)
                if (counts[j * k + q] > counts[j * k + best]) best = q;
            dominant[j] = best;
        }
        return dominant;
    }

    /// <summary>For every sample: cosines to its own class's K centres [N·K] and the index of the nearest one.</summary>
    private static (float[] CosToCentres, int[] Nearest) NearestCentres(CosineMarginHead head, Tensor embeddings, ReadOnlySpan<int> labels)
    {
        int n = embeddings.Rows, k = head.SubCenters, e = head.EmbeddingSize;
        if (labels.Length != n) throw new ArgumentException($"Got {labels.Length} labels for {n} embeddings.", nameof(labels));
        var cosToCentres = new float[n * k];
        var nearest = new int[n];
        var chunk = new Tensor(0, TensorShape.Vector(e));
        var centres = new Tensor(0, TensorShape.Vector(1));
        for (int start = 0; start < n; start += Block)
        {
            int rows = Math.Min(Block, n - start);
            chunk.Reshape(rows, TensorShape.Vector(e));
            embeddings.Span.Slice(start * e, rows * e).CopyTo(chunk.Span);
            head.CentreCosines(chunk, centres);
            for (int r = 0; r < rows; r++)
            {
                int i = start + r, y = labels[i];
                if ((uint)y >= (uint)head.ClassCount) throw new ArgumentOutOfRangeException(nameof(labels), y, $"Label {y} at row {i} is outside [0, {head.ClassCount}).");
                var own = centres.Row(r).Slice(y * k, k);
                own.CopyTo(cosToCentres.AsSpan(i * k, k));
                int best = 0;
                for (int q = 1; q < k; q++)
                    if (own[q] > own[best]) best = q;
                nearest[i] = best;
            }
        }
        return (cosToCentres, nearest);
    }
}

using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Heads;

/// <summary>
/// Sub-centre ArcFace: K centres per class, cos θ_j = max over class j's K centres (the gradient reaches the
/// arg-max centre only; on an exact tie the lowest centre index wins), then ArcFace with its fallback on the
/// target. Noisy samples gather around non-dominant centres; <see cref="FindOutliers"/> finds, for a whole
/// data set, the samples farther than <see cref="DropThresholdDegrees"/> from their class's dominant centre,
/// which a trainer may drop before continuing (the paper's second stage).
/// Defaults: K = 3, m = 0.5 rad, s = <see cref="HeadDefaults.DefaultScale"/>, drop threshold 75°.
/// </summary>
internal sealed class SubCenterArcFaceHead : ArcFaceHead
{
    /// <summary>Creates the head; the ArcFace options, <see cref="HeadOptions.SubCenters"/> and <see cref="HeadOptions.DropThresholdDegrees"/> apply.</summary>
    public SubCenterArcFaceHead(int embeddingSize, int classCount, HeadOptions? options = null)
        : base("subcenter", embeddingSize, classCount, options, HeadDefaults.SubCenters)
    {
        DropThresholdDegrees = HeadArguments.InRange(Kind, "drop threshold (degrees)",
            options?.DropThresholdDegrees ?? HeadDefaults.DropThresholdDegrees, 1e-9, 180, hiInclusive: true);
    }

    /// <inheritdoc />
    public override string Kind => "subcenter";

    /// <summary>Angle in degrees beyond which a sample is an outlier of its class's dominant centre.</summary>
    public double DropThresholdDegrees { get; }

    /// <summary>
    /// Each class's dominant centre: the sub-centre (0 … K−1) that is nearest for the largest number of that
    /// class's samples (ties: the lowest index; classes with no samples: 0).
    /// </summary>
    public int[] FindDominantCenters(Tensor embeddings, ReadOnlySpan<int> labels)
    {
        var (_, nearest) = NearestCentres(embeddings, labels);
        return DominantCentres(nearest, labels);
    }

    private int[] DominantCentres(int[] nearest, ReadOnlySpan<int> labels)
    {
        int k = SubCenters;
        var counts = new int[ClassCount * k];
        for (int i = 0; i < labels.Length; i++) counts[labels[i] * k + nearest[i]]++;
        var dominant = new int[ClassCount];
        for (int j = 0; j < ClassCount; j++)
        {
            int best = 0;
            for (int q = 1; q < k; q++)
                if (counts[j * k + q] > counts[j * k + best]) best = q;
            dominant[j] = best;
        }
        return dominant;
    }

    /// <summary>
    /// Indices (ascending) of the samples whose angle to their class's dominant centre exceeds
    /// <see cref="DropThresholdDegrees"/>. The embeddings are the whole data set's encoder outputs (any norm).
    /// </summary>
    public int[] FindOutliers(Tensor embeddings, ReadOnlySpan<int> labels)
    {
        var (cosToCentres, nearest) = NearestCentres(embeddings, labels);
        var dominant = DominantCentres(nearest, labels);
        double limit = Math.Cos(DropThresholdDegrees * Math.PI / 180);
        var outliers = new List<int>();
        int k = SubCenters;
        for (int i = 0; i < labels.Length; i++)
        {
            double cos = cosToCentres[i * k + dominant[labels[i]]];
            if (cos < limit) outliers.Add(i);
        }
        return outliers.ToArray();
    }

    /// <summary>For every sample: cosines to its own class's K centres [N·K] and the index of the nearest one.</summary>
    private (float[] CosToCentres, int[] Nearest) NearestCentres(Tensor embeddings, ReadOnlySpan<int> labels)
    {
        ValidateEmbeddings(embeddings);
        int n = embeddings.Rows, k = SubCenters, e = EmbeddingSize;
        ValidateLabels(labels, n);
        var cosToCentres = new float[n * k];
        var nearest = new int[n];
        const int Block = 1024;
        var chunk = new Tensor(0, TensorShape.Vector(e));
        for (int start = 0; start < n; start += Block)
        {
            int rows = Math.Min(Block, n - start);
            chunk.Reshape(rows, TensorShape.Vector(e));
            embeddings.Span.Slice(start * e, rows * e).CopyTo(chunk.Span);
            var (_, centres) = CosinesForInference(chunk);
            for (int r = 0; r < rows; r++)
            {
                int i = start + r, y = labels[i];
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

    /// <inheritdoc />
    public override HeadOptions GetOptions()
    {
        var o = base.GetOptions();
        o.DropThresholdDegrees = DropThresholdDegrees;
        return o;
    }
}

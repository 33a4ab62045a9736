using MLNetMarginLoss.Embeddings;
using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Evaluation;

/// <summary>Computes <see cref="OpenSetMetrics"/> by exact cosine 1-NN search of the gallery (<see cref="CosineSearch"/>).</summary>
internal static class OpenSetEvaluator
{
    /// <summary>Evaluates known and unknown probes (row-major embeddings) against a labelled gallery.</summary>
    /// <param name="gallery">Gallery embeddings (N × <paramref name="dimension"/>).</param>
    /// <param name="galleryLabels">Class of every gallery row.</param>
    /// <param name="knownProbes">Probes of gallery classes; at least 2 (one to calibrate, one to measure).</param>
    /// <param name="knownLabels">Class of every known probe; each must have a gallery image.</param>
    /// <param name="unknownProbes">Probes of classes the gallery does not hold; at least 1.</param>
    /// <param name="dimension">Floats per embedding.</param>
    /// <param name="acceptRate">Share of the calibration probes to accept, in (0, 1].</param>
    /// <param name="context">Compute context for the search; the default when null.</param>
    public static OpenSetMetrics Evaluate(ReadOnlySpan<float> gallery, ReadOnlySpan<int> galleryLabels, ReadOnlySpan<float> knownProbes,
        ReadOnlySpan<int> knownLabels, ReadOnlySpan<float> unknownProbes, int dimension, double acceptRate, ComputeContext? context = null)
    {
        int n = RowNormalization.CheckShape(gallery.Length, dimension, nameof(gallery));
        int known = RowNormalization.CheckShape(knownProbes.Length, dimension, nameof(knownProbes));
        int unknown = RowNormalization.CheckShape(unknownProbes.Length, dimension, nameof(unknownProbes));
        if (galleryLabels.Length != n) throw new ArgumentException($"Got {galleryLabels.Length} gallery labels for {n} gallery embeddings.", nameof(galleryLabels));
        if (knownLabels.Length != known) throw new ArgumentException($"Got {knownLabels.Length} known-probe labels for {known} known probes.", nameof(knownLabels));
        if (n == 0) throw new ArgumentException("The gallery is empty.", nameof(gallery));
        if (known < 2) throw new ArgumentException($"Open-set evaluation needs at least 2 known probes (one half sets the threshold, the other is measured); got {known}.", nameof(knownProbes));
        if (unknown < 1) throw new ArgumentException("Open-set evaluation needs at least 1 unknown probe.", nameof(unknownProbes));
        if (!(acceptRate > 0 && acceptRate <= 1)) throw new ArgumentOutOfRangeException(nameof(acceptRate), acceptRate, "The accept rate must be in (0, 1].");
        var enrolled = new HashSet<int>();
        foreach (int label in galleryLabels) enrolled.Add(label);
        for (int i = 0; i < known; i++)
            if (!enrolled.Contains(knownLabels[i]))
                throw new ArgumentException($"Known probe {i}: class {knownLabels[i]} has no gallery image; known probes must be of enrolled classes.", nameof(knownLabels));

        var search = new CosineSearch(gallery, dimension, context);
        var knownNearest = search.Search(knownProbes, 1);
        var unknownNearest = search.Search(unknownProbes, 1);

        // Threshold: the largest similarity that accepts at least acceptRate of the calibration half (even rows).
        var calibration = new List<float>();
        for (int i = 0; i < known; i += 2) calibration.Add(knownNearest.Similarities[i]);
        calibration.Sort((a, b) => b.CompareTo(a));
        float threshold = calibration[(int)Math.Ceiling(acceptRate * calibration.Count) - 1];

        int measured = 0, accepted = 0, identified = 0, correct = 0;
        for (int i = 1; i < known; i += 2)
        {
            measured++;
            bool match = galleryLabels[knownNearest.Indices[i]] == knownLabels[i];
            bool accept = knownNearest.Similarities[i] >= threshold;
            if (match) correct++;
            if (accept) accepted++;
            if (accept && match) identified++;
        }
        int rejected = 0;
        for (int i = 0; i < unknown; i++) if (unknownNearest.Similarities[i] < threshold) rejected++;

        var scores = new float[known + unknown];
        var isKnown = new bool[known + unknown];
        knownNearest.Similarities.CopyTo(scores, 0);
        unknownNearest.Similarities.CopyTo(scores, known);
        isKnown.AsSpan(0, known).Fill(true);
        double auc = RocCurve.Create(scores, isKnown).Auc;
        return new OpenSetMetrics(threshold, acceptRate, (double)accepted / measured, (double)identified / measured, (double)correct / measured,
            (double)rejected / unknown, auc, known, unknown);
    }
}

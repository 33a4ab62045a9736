using MLNetMarginLoss.Embeddings;
using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Evaluation;

/// <summary>
/// Computes <see cref="IdentificationMetrics"/> by exact blocked-GEMM cosine search (<see cref="CosineSearch"/>): a
/// class's score for a probe is its most similar gallery image, so the class ranking is the order in which classes
/// first appear among the probe's nearest gallery images. Gallery images of equal similarity are ordered by row.
/// </summary>
internal static class IdentificationEvaluator
{
    /// <summary>Evaluates row-major probe embeddings against gallery embeddings; labels are class indices shared by both.</summary>
    /// <param name="gallery">Gallery embeddings (N × <paramref name="dimension"/>); normalised internally.</param>
    /// <param name="galleryLabels">Class of every gallery row (non-negative).</param>
    /// <param name="probes">Probe embeddings (M × <paramref name="dimension"/>).</param>
    /// <param name="probeLabels">Class of every probe; each must have a gallery image.</param>
    /// <param name="dimension">Floats per embedding.</param>
    /// <param name="maxRank">The largest rank of the CMC, at least 1 (capped at the number of gallery classes).</param>
    /// <param name="context">Compute context for the search; the default when null.</param>
    public static IdentificationMetrics Evaluate(ReadOnlySpan<float> gallery, ReadOnlySpan<int> galleryLabels, ReadOnlySpan<float> probes,
        ReadOnlySpan<int> probeLabels, int dimension, int maxRank = 5, ComputeContext? context = null)
    {
        int n = RowNormalization.CheckShape(gallery.Length, dimension, nameof(gallery));
        int m = RowNormalization.CheckShape(probes.Length, dimension, nameof(probes));
        if (galleryLabels.Length != n) throw new ArgumentException($"Got {galleryLabels.Length} gallery labels for {n} gallery embeddings.", nameof(galleryLabels));
        if (probeLabels.Length != m) throw new ArgumentException($"Got {probeLabels.Length} probe labels for {m} probe embeddings.", nameof(probeLabels));
        if (n == 0) throw new ArgumentException("The gallery is empty.", nameof(gallery));
        if (m == 0) throw new ArgumentException("There are no probes.", nameof(probes));
        if (maxRank < 1) throw new ArgumentOutOfRangeException(nameof(maxRank), maxRank, "The CMC needs at least rank 1.");
        var classSize = new Dictionary<int, int>();
        foreach (int label in galleryLabels)
        {
            if (label < 0) throw new ArgumentException($"Gallery label {label} is negative.", nameof(galleryLabels));
            classSize[label] = classSize.GetValueOrDefault(label) + 1;
        }
        for (int i = 0; i < m; i++)
            if (!classSize.ContainsKey(probeLabels[i]))
                throw new ArgumentException($"Probe {i}: class {probeLabels[i]} has no gallery image, so it cannot be identified (closed-set identification enrols every probe's class).", nameof(probeLabels));
        int ranks = Math.Min(maxRank, classSize.Count);
        // The first `ranks` distinct classes are always among the ranks × (largest class) nearest images.
        int k = (int)Math.Min(n, (long)ranks * classSize.Values.Max());

        var neighbors = new CosineSearch(gallery, dimension, context).Search(probes, k);
        var hits = new long[ranks];
        var seen = new HashSet<int>();
        for (int q = 0; q < m; q++)
        {
            seen.Clear();
            foreach (int index in neighbors.IndicesOf(q))
            {
                int label = galleryLabels[index];
                if (!seen.Add(label)) continue;
                if (label == probeLabels[q]) { hits[seen.Count - 1]++; break; }
                if (seen.Count == ranks) break;
            }
        }
        var cmc = new double[ranks];
        long cumulative = 0;
        for (int r = 0; r < ranks; r++) cmc[r] = (double)(cumulative += hits[r]) / m;
        return new IdentificationMetrics(cmc, m, n, classSize.Count);
    }
}

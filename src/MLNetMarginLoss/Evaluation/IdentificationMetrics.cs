namespace MLNetMarginLoss.Evaluation;

/// <summary>
/// Closed-set identification of probes against an enrolled gallery (the face-identification protocol): every probe's
/// classes are ranked by their most similar gallery image (cosine), and the cumulative match characteristic (CMC)
/// gives the share of probes whose true class is among the first r. With k gallery images per class this is k-shot
/// nearest-neighbour recognition; rank-1 is its accuracy.
/// </summary>
/// <param name="CumulativeMatch">CMC: element r − 1 is the share of probes whose class ranks r or better (r = 1 … the largest rank asked for).</param>
/// <param name="ProbeCount">Number of probes.</param>
/// <param name="GallerySize">Number of gallery images.</param>
/// <param name="GalleryClassCount">Number of classes in the gallery (the candidates each probe is matched against).</param>
public sealed record IdentificationMetrics(IReadOnlyList<double> CumulativeMatch, int ProbeCount, int GallerySize, int GalleryClassCount)
{
    /// <summary>Rank-1 accuracy: the share of probes whose most similar gallery image is of their class.</summary>
    public double Rank1Accuracy => CumulativeMatch[0];

    /// <summary>Rank-5 accuracy, or NaN when fewer than five ranks were computed.</summary>
    public double Rank5Accuracy => CumulativeMatch.Count >= 5 ? CumulativeMatch[4] : double.NaN;
}

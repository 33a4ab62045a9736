namespace MLNetMarginLoss.Evaluation;

/// <summary>
/// Open-set identification: probes of enrolled ("known") classes and of classes the gallery does not hold
/// ("unknown") are each matched to their most similar gallery image; a probe is accepted when that similarity reaches
/// a threshold set on known probes alone, so that a chosen share of them is accepted, and rejected ("unknown")
/// otherwise. The threshold is set on one half of the known probes (rows 0, 2, 4, …) and the rates below are measured
/// on the other half (rows 1, 3, 5, …) and on all unknown probes.
/// </summary>
/// <param name="Threshold">The similarity threshold (accept when the best similarity ≥ it).</param>
/// <param name="TargetAcceptRate">The share of calibration probes the threshold was set to accept.</param>
/// <param name="KnownAcceptRate">Share of the held-out known probes accepted.</param>
/// <param name="DetectionAndIdentificationRate">Share of the held-out known probes accepted and matched to their own class (DIR).</param>
/// <param name="ClosedSetAccuracy">Share of the held-out known probes whose most similar gallery image is of their class, without a threshold.</param>
/// <param name="UnknownRejectRate">Share of the unknown probes rejected (1 − the false-alarm rate).</param>
/// <param name="Auc">Area under the ROC curve of the best similarity separating all known probes (positive) from the unknown ones: the threshold-free summary.</param>
/// <param name="KnownProbeCount">Number of known probes (both halves).</param>
/// <param name="UnknownProbeCount">Number of unknown probes.</param>
public sealed record OpenSetMetrics(double Threshold, double TargetAcceptRate, double KnownAcceptRate, double DetectionAndIdentificationRate,
    double ClosedSetAccuracy, double UnknownRejectRate, double Auc, int KnownProbeCount, int UnknownProbeCount);

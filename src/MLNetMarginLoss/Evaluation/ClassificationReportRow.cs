namespace MLNetMarginLoss.Evaluation;

/// <summary>One line of a <see cref="ClassificationReport"/>: a class or an average.</summary>
/// <param name="Name">Class name, or "macro avg" / "weighted avg".</param>
/// <param name="Precision">Precision (0 when the class is never predicted).</param>
/// <param name="Recall">Recall (0 when the class has no instances).</param>
/// <param name="F1">Harmonic mean of precision and recall (0 when both are 0).</param>
/// <param name="Support">Number of true instances.</param>
public sealed record ClassificationReportRow(string Name, double Precision, double Recall, double F1, int Support);

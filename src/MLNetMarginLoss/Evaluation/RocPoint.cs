namespace MLNetMarginLoss.Evaluation;

/// <summary>One operating point of a ROC curve: pairs scoring ≥ <paramref name="Threshold"/> are accepted as "same".</summary>
/// <param name="Threshold">Score threshold (+∞ for the point that accepts nothing).</param>
/// <param name="FalsePositiveRate">Fraction of different pairs accepted (FAR).</param>
/// <param name="TruePositiveRate">Fraction of same pairs accepted (TAR).</param>
public readonly record struct RocPoint(double Threshold, double FalsePositiveRate, double TruePositiveRate);

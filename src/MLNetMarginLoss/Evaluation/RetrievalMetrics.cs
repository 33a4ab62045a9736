namespace MLNetMarginLoss.Evaluation;

/// <summary>
/// Leave-one-out retrieval metrics of a labelled embedding set under cosine similarity, as defined by
/// Musgrave, Belongie and Lim, "A Metric Learning Reality Check" (ECCV 2020). For a query with R other
/// rows of its class (R ≥ 1; queries with R = 0 are left out):
/// precision@1 = 1 if its nearest neighbour shares its label;
/// R-precision = (same-label rows among its R nearest) / R;
/// MAP@R = (1/R) Σ_{i=1..R} P(i)·rel(i), P(i) the precision among the i nearest, rel(i) = 1 if the i-th is same-label.
/// Each metric is the mean over the evaluated queries.
/// </summary>
public sealed record RetrievalMetrics(double PrecisionAt1, double RPrecision, double MapAtR, int QueryCount, int SkippedQueries);

namespace MLNetMarginLoss.Data;

/// <summary>How <see cref="CsvLoader"/> reads a CSV file.</summary>
public sealed record CsvLoaderOptions
{
    /// <summary>The header name of the label column (default "Label"); null to read features only.</summary>
    public string? LabelColumn { get; init; } = "Label";

    /// <summary>
    /// Whether the label column must exist and hold at least two classes (default true: training data).
    /// When false, a missing label column gives a dataset without labels.
    /// </summary>
    public bool RequireLabels { get; init; } = true;

    /// <summary>The feature columns, in this order; null for every column except the label and <see cref="IgnoreColumns"/>.</summary>
    public IReadOnlyList<string>? FeatureColumns { get; init; }

    /// <summary>Columns to leave out when <see cref="FeatureColumns"/> is null (ids, free text, …).</summary>
    public IReadOnlyList<string> IgnoreColumns { get; init; } = [];

    /// <summary>The field separator (default ',').</summary>
    public char Separator { get; init; } = ',';

    /// <summary>Read only the first data rows (all when null).</summary>
    public int? Limit { get; init; }
}

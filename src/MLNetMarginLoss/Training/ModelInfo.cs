namespace MLNetMarginLoss;

/// <summary>Descriptive information stored in a model's manifest.</summary>
public sealed record ModelInfo
{
    /// <summary>Library version that trained the model.</summary>
    public string LibraryVersion { get; init; } = typeof(ModelInfo).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>When training finished (UTC).</summary>
    public DateTime CreatedUtc { get; init; } = DateTime.UtcNow;

    /// <summary>The main training options, as name → value text.</summary>
    public IReadOnlyDictionary<string, string> TrainingOptions { get; init; } = new Dictionary<string, string>();

    /// <summary>Metrics measured at the end of training (e.g. validation accuracy), name → value.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; init; } = new Dictionary<string, double>();
}

namespace MLNetMarginLoss.MLNet;

/// <summary>The columns a trained transformer reads and writes.</summary>
internal sealed record ColumnNames(string Features, string Score, string PredictedLabel, string Embedding)
{
    /// <summary>The names a trainer's options give.</summary>
    public static ColumnNames From(ArcFaceTrainer.Options o) => new(o.FeatureColumnName, o.ScoreColumnName, o.PredictionColumnName, o.EmbeddingColumnName);
}

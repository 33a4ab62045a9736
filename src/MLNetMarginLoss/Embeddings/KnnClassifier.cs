namespace MLNetMarginLoss.Embeddings;

/// <summary>
/// The nearest-neighbour estimator: <see cref="Fit"/> stores a labelled reference set of embeddings (a gallery)
/// and returns a <see cref="KnnModel"/> that classifies, retrieves and verifies by cosine similarity. New classes
/// are recognised by adding their examples to the gallery; no retraining is needed.
/// </summary>
public sealed class KnnClassifier
{
    /// <summary>Creates the estimator.</summary>
    public KnnClassifier(KnnClassifierOptions? options = null)
    {
        Options = options ?? new KnnClassifierOptions();
        if (Options.K < 1) throw new ArgumentOutOfRangeException(nameof(options), Options.K, "K must be at least 1.");
        if (Options.SimilarityThreshold is { } t && (float.IsNaN(t) || t < -1 || t > 1))
            throw new ArgumentOutOfRangeException(nameof(options), t, "The similarity threshold must be a cosine in [−1, 1].");
    }

    /// <summary>The settings.</summary>
    public KnnClassifierOptions Options { get; }

    /// <summary>Builds the model over <paramref name="references"/>, which must carry labels.</summary>
    public KnnModel Fit(EmbeddingSet references)
    {
        ArgumentNullException.ThrowIfNull(references);
        if (references.Labels is null) throw new ArgumentException("The reference embeddings need labels to vote with.");
        if (references.Count == 0) throw new ArgumentException("The reference set is empty.");
        int classes = Math.Max(references.ClassNames.Count, references.Labels.Max() + 1);
        return new KnnModel(references, classes, Options);
    }
}

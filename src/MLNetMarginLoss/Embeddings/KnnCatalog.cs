using MLNetMarginLoss;

namespace Microsoft.ML;

/// <summary>
/// The k-NN classifier on ML.NET's multiclass catalog: <c>mlContext.MulticlassClassification.Trainers.KnnClassifier(…)</c>.
/// Extension methods live in namespace Microsoft.ML, as ML.NET's own extension packages' do.
/// </summary>
public static class KnnCatalog
{
    /// <summary>Cosine k-nearest-neighbour classification of embeddings with every option given.</summary>
    /// <exception cref="ArgumentException">An option is out of range or two columns share a name.</exception>
    public static KnnClassifier KnnClassifier(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, KnnClassifier.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new KnnClassifier(options);
    }

    /// <summary>Cosine k-nearest-neighbour classification of embeddings.</summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="labelColumnName">The gallery's key label column. Default "Label".</param>
    /// <param name="featureColumnName">The embedding column. Default "Embedding".</param>
    /// <param name="k">Neighbours that vote. Default 5.</param>
    /// <param name="voting">Vote weighting. Default distance-weighted.</param>
    /// <param name="similarityThreshold">Open set: below this best cosine a row is unknown (key 0). Default null (none).</param>
    public static KnnClassifier KnnClassifier(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Embedding", int k = 5, KnnVoting voting = KnnVoting.DistanceWeighted, float? similarityThreshold = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new KnnClassifier(new KnnClassifier.Options
        {
            LabelColumnName = labelColumnName, FeatureColumnName = featureColumnName, K = k, Voting = voting, SimilarityThreshold = similarityThreshold,
        });
    }
}

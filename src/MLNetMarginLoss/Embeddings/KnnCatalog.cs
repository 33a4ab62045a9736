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

    /// <summary>
    /// Cosine k-NN over a trained model's class centres: the gallery is one row per centre (per sub-centre for
    /// SubCenter heads) labelled with its class, so with k = 1 the prediction is the head's own decision (the class of
    /// the most similar centre). The classifier for a model with too many classes for one ONNX graph
    /// (<see cref="ArcFaceTransformer.IsEmbeddingModel"/>); put it after <c>mlContext.Transforms.ExtractEmbeddings(model)</c>.
    /// Fit reads nothing but the embedding column's type.
    /// </summary>
    /// <param name="catalog">The multiclass trainers catalog.</param>
    /// <param name="model">The trained model (not one read back from an embedding model's file, which holds no centres).</param>
    /// <param name="featureColumnName">The embedding column. Default "Embedding".</param>
    /// <param name="k">Centres that vote. Default 1 (the head's decision).</param>
    /// <param name="similarityThreshold">Open set: below this best cosine a row is unknown (key 0). Default null (none).</param>
    /// <exception cref="ArgumentException">The model's head has no class centres (the softmax head), or the model was read back from an embedding model's file.</exception>
    public static KnnClassifier KnnClassifier(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, ArcFaceTransformer model,
        string featureColumnName = "Embedding", int k = 1, float? similarityThreshold = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new KnnClassifier(model, new KnnClassifier.Options { FeatureColumnName = featureColumnName, K = k, SimilarityThreshold = similarityThreshold });
    }

    /// <summary>Cosine k-NN over a trained model's class centres with every option given (<see cref="KnnClassifier.Options.LabelColumnName"/> is not used).</summary>
    /// <exception cref="ArgumentException">An option is out of range, or the model has no class centres.</exception>
    public static KnnClassifier KnnClassifier(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, ArcFaceTransformer model, KnnClassifier.Options options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new KnnClassifier(model, options);
    }
}

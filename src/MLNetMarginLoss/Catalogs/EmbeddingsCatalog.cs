using MLNetMarginLoss.Embeddings;
using MLNetMarginLoss.Training;

namespace MLNetMarginLoss;

/// <summary>Embedding extraction and nearest-neighbour components.</summary>
public sealed class EmbeddingsCatalog
{
    internal EmbeddingsCatalog() { }

    /// <summary>A transformer that outputs the model's L2-normalised embeddings.</summary>
    public EmbeddingExtractor CreateExtractor(MarginModel model, bool flipTestTimeAugmentation = false) => new(model, flipTestTimeAugmentation);

    /// <summary>A k-NN estimator over a gallery of labelled embeddings (open-set with a similarity threshold).</summary>
    public KnnClassifier Knn(int k = 5, KnnVoting voting = KnnVoting.DistanceWeighted, float? similarityThreshold = null) =>
        new(new KnnClassifierOptions { K = k, Voting = voting, SimilarityThreshold = similarityThreshold });
}

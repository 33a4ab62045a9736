using MLNetMarginLoss;

namespace Microsoft.ML;

/// <summary>
/// The embedding extractor on ML.NET's transforms catalog: <c>mlContext.Transforms.ExtractEmbeddings(model)</c>.
/// Extension methods live in namespace Microsoft.ML, as ML.NET's own extension packages' do.
/// </summary>
public static class EmbeddingsCatalog
{
    /// <summary>
    /// Adds L2-normalised embeddings of <paramref name="inputColumnName"/> computed by <paramref name="model"/>'s encoder.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="model">A trained model (from <see cref="ArcFaceTrainer"/> or <see cref="ArcFaceTransformer.Load"/>).</param>
    /// <param name="inputColumnName">The feature column: a vector of Single with as many values as the model's input. Default "Features".</param>
    /// <param name="outputColumnName">The embedding column to add, a Vector&lt;Single, D&gt;. Default "Embedding".</param>
    /// <param name="flipTestTimeAugmentation">Also embed every image mirrored left–right, sum the two unit embeddings and normalise the sum. Image models only. Default false.</param>
    /// <exception cref="ArgumentException">Flip augmentation was asked of a model that does not take images.</exception>
    public static EmbeddingExtractor ExtractEmbeddings(this TransformsCatalog catalog, ArcFaceTransformer model,
        string inputColumnName = "Features", string outputColumnName = "Embedding", bool flipTestTimeAugmentation = false)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new EmbeddingExtractor(model, inputColumnName, outputColumnName, flipTestTimeAugmentation);
    }

    /// <summary>
    /// <see cref="ExtractEmbeddings(TransformsCatalog, ArcFaceTransformer, string, string, bool)"/> with the model read
    /// from a file this library saved (an ML.NET .zip from <c>mlContext.Model.Save</c>, or an exported .onnx).
    /// </summary>
    /// <exception cref="MLNetMarginLoss.ModelFormatException">The file is missing, damaged, or not a model of this library.</exception>
    public static EmbeddingExtractor ExtractEmbeddings(this TransformsCatalog catalog, string modelPath,
        string inputColumnName = "Features", string outputColumnName = "Embedding", bool flipTestTimeAugmentation = false)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new EmbeddingExtractor(ArcFaceTransformer.Load(modelPath), inputColumnName, outputColumnName, flipTestTimeAugmentation, ownsModel: true);
    }
}

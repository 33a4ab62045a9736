using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.MLNet;

namespace MLNetMarginLoss;

/// <summary>
/// An ML.NET estimator that adds L2-normalised embeddings from a trained model's encoder:
/// <c>mlContext.Transforms.ExtractEmbeddings(model)</c>. Nothing is learned: <see cref="Fit"/> checks the input
/// column and returns the <see cref="EmbeddingTransformer"/>, which any later model (e.g. <see cref="KnnClassifier"/>)
/// can read and which <c>mlContext.Model.Save</c> writes as a standard ML.NET model.
/// </summary>
public sealed class EmbeddingExtractor : IEstimator<EmbeddingTransformer>
{
    private readonly Lazy<EmbeddingTransformer> _transformer;

    /// <summary>An extractor over <paramref name="model"/>'s encoder; <paramref name="ownsModel"/>: the model was read from a file for this extractor, and its transformer disposes it.</summary>
    internal EmbeddingExtractor(ArcFaceTransformer model, string inputColumnName, string outputColumnName, bool flipTestTimeAugmentation, bool ownsModel = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(inputColumnName);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputColumnName);
        var shape = model.Network.InputShape;
        if (flipTestTimeAugmentation && (shape.IsVector || shape.Width < 2))
            throw new ArgumentException($"Flip test-time augmentation mirrors images left–right, but the model takes {shape}, which has no width to mirror; train on images ([C, H, W]) or leave flipTestTimeAugmentation off.", nameof(flipTestTimeAugmentation));
        Model = model;
        InputColumnName = inputColumnName;
        OutputColumnName = outputColumnName;
        FlipTestTimeAugmentation = flipTestTimeAugmentation;
        _transformer = new(() => new EmbeddingTransformer(model, inputColumnName, outputColumnName, flipTestTimeAugmentation, ownsModel));
    }

    /// <summary>The trained model whose encoder is used.</summary>
    public ArcFaceTransformer Model { get; }

    /// <summary>The feature column read. Default "Features".</summary>
    public string InputColumnName { get; }

    /// <summary>The embedding column written. Default "Embedding".</summary>
    public string OutputColumnName { get; }

    /// <summary>Whether mirror images are embedded too. Default false.</summary>
    public bool FlipTestTimeAugmentation { get; }

    /// <summary>Checks the input column and returns the transformer (the same one every time: nothing is learned).</summary>
    /// <exception cref="ArgumentException">The input column is missing, not a vector of Single, or of another size than the model's input.</exception>
    public EmbeddingTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckInput(input.Schema, InputColumnName, Model);
        return _transformer.Value;
    }

    /// <summary>The input schema plus the embedding column (a known-size vector of Single).</summary>
    /// <exception cref="ArgumentException">The input column is missing or not a known-size vector of Single.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var col = InputColumns.Find(inputSchema, InputColumnName);
        if (!col.Found)
            throw new ArgumentException($"The input has no column '{InputColumnName}' (columns: {string.Join(", ", inputSchema.Select(c => c.Name).Distinct())}); pass the feature column's name as inputColumnName.");
        if (!col.IsKnownSize || col.IsKey || col.ItemType != NumberDataViewType.Single)
            throw new ArgumentException($"Column '{InputColumnName}' is not a known-size vector of Single; the encoder takes {Model.Network.InputShape.Size} Single values.");
        // Schema-shape columns cannot be built through ML.NET's public API; Concatenate gives a vector of Single.
        return new MLContext(0).Transforms.Concatenate(OutputColumnName, InputColumnName).GetOutputSchema(inputSchema);
    }

    /// <summary>Checks that <paramref name="schema"/> has the input column, a vector of the model's input size of Single.</summary>
    internal static void CheckInput(DataViewSchema schema, string column, ArcFaceTransformer model)
    {
        int size = model.Network.InputShape.Size;
        var col = schema.GetColumnOrNull(column)
            ?? throw new ArgumentException($"The input has no column '{column}' (columns: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => c.Name))}); pass the feature column's name as inputColumnName.");
        if (col.Type is not VectorDataViewType { ItemType: var item, Size: var n } || item != NumberDataViewType.Single || n != size)
            throw new ArgumentException($"Column '{column}' is {col.Type}, but the encoder takes a vector of {size} Single values ({model.Network.InputShape}).");
    }
}

using MLNetMarginLoss.Data;
using MLNetMarginLoss.Engine.Kernels;
using MLNetMarginLoss.Training;

namespace MLNetMarginLoss.Embeddings;

/// <summary>
/// A transformer that outputs the L2-normalised encoder output of a trained model for any input the encoder
/// takes. With <see cref="FlipTestTimeAugmentation"/>, image inputs are also embedded mirrored left–right and the
/// two embeddings are summed before normalising (the usual face-recognition test-time augmentation).
/// </summary>
public sealed class EmbeddingExtractor
{
    /// <summary>Creates an extractor over <paramref name="model"/>'s encoder.</summary>
    public EmbeddingExtractor(ArcFaceTransformer model, bool flipTestTimeAugmentation = false)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        if (flipTestTimeAugmentation && model.Network.InputShape.Width < 2)
            throw new ArgumentException($"Flip augmentation needs image inputs; the model takes {model.Network.InputShape}.");
        FlipTestTimeAugmentation = flipTestTimeAugmentation;
    }

    /// <summary>The model whose encoder is used.</summary>
    public ArcFaceTransformer Model { get; }

    /// <summary>Whether horizontally flipped copies are embedded too.</summary>
    public bool FlipTestTimeAugmentation { get; }

    /// <summary>Embedding dimension.</summary>
    public int Dimension => Model.EmbeddingSize;

    /// <summary>Embeds every row of <paramref name="data"/> (labels are carried along, never used).</summary>
    public EmbeddingSet Transform(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var vectors = Model.Network.Transform(data).Embedding;
        if (FlipTestTimeAugmentation)
        {
            var flipped = Model.Network.Transform(Flip(data)).Embedding;
            System.Numerics.Tensors.TensorPrimitives.Add(vectors, flipped, vectors);
            RowOps.L2NormalizeInPlace(vectors, Dimension);
        }
        return EmbeddingSet.From(vectors, Dimension, data);
    }

    /// <summary>Embeds one sample.</summary>
    public float[] Embed(ReadOnlySpan<float> features) => Transform(new Dataset(features.ToArray(), Model.Network.InputShape)).Vectors;

    private Dataset Flip(Dataset data)
    {
        var s = Model.Network.InputShape;
        var src = data.Features;
        var dst = new float[src.Length];
        int w = s.Width;
        for (int row = 0; row < src.Length; row += w)
            for (int x = 0; x < w; x++) dst[row + x] = src[row + w - 1 - x];
        return new Dataset(dst, s, null, data.ClassNames, data.Source + " (flipped)");
    }
}

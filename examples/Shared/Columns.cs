using Microsoft.ML;
using Microsoft.ML.Data;

namespace Examples;

/// <summary>Reads the columns the plots need out of a scored <see cref="IDataView"/>.</summary>
internal static class Columns
{
    /// <summary>
    /// The rows' embeddings (row after row) and 0-based class indices, from a vector column and a key label column
    /// (key k is class k − 1).
    /// </summary>
    public static (float[] Embeddings, int Dimension, int[] Labels) EmbeddingsAndLabels(IDataView scored, string embeddingColumn = "Embedding", string labelColumn = "Label")
    {
        var embeddings = scored.GetColumn<float[]>(embeddingColumn).ToArray();
        var labels = scored.GetColumn<uint>(labelColumn).Select(k => (int)k - 1).ToArray();
        int dimension = embeddings.Length == 0 ? 0 : embeddings[0].Length;
        return (embeddings.SelectMany(e => e).ToArray(), dimension, labels);
    }
}

using Microsoft.ML;
using MLNetMarginLoss.Data;

namespace MLNetMarginLoss;

/// <summary>
/// Loads an IDX images file and its labels file (the MNIST format, raw or gzip-compressed) as an
/// <see cref="InMemoryDataView"/>: <c>Features</c> of dimensions [1, rows, columns] (or [features] for a
/// two-dimensional images file) with pixels scaled to [0, 1] (byte / 255), and a key-typed <c>Label</c> whose
/// KeyValues are the class names.
/// </summary>
public static class IdxData
{
    /// <summary>Loads an images file and a labels file.</summary>
    /// <param name="mlContext">The ML.NET context (the view needs nothing from it; it keeps the catalog style).</param>
    /// <param name="imagesPath">IDX file of N × rows × columns (or N × features) unsigned bytes.</param>
    /// <param name="labelsPath">IDX file of N unsigned-byte labels.</param>
    /// <param name="limit">Read only the first rows (all when null).</param>
    /// <param name="classNames">Names for the label values; default "0", "1", … up to the largest label.</param>
    /// <exception cref="DataFormatException">A file is missing, not IDX, truncated, the two files disagree, or a label has no class name.</exception>
    public static InMemoryDataView Load(MLContext mlContext, string imagesPath, string labelsPath, int? limit = null, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentException.ThrowIfNullOrEmpty(imagesPath);
        ArgumentException.ThrowIfNullOrEmpty(labelsPath);
        if (!File.Exists(imagesPath)) throw new DataFormatException(imagesPath, "IDX images file not found.");
        if (!File.Exists(labelsPath)) throw new DataFormatException(labelsPath, "IDX labels file not found.");
        var data = IdxReader.Load(imagesPath, labelsPath, limit, classNames);
        var shape = data.FeatureShape;
        int[] dimensions = shape.IsVector ? [shape.Channels] : [shape.Channels, shape.Height, shape.Width];
        return new InMemoryDataView(data.Features, dimensions, data.Labels, data.ClassNames);
    }
}

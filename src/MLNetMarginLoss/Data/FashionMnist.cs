using Microsoft.ML;
using MLNetMarginLoss.Data;

namespace MLNetMarginLoss;

/// <summary>
/// Fashion-MNIST (70 000 grey 28 × 28 images of clothing in ten classes) as an ML.NET <see cref="IDataView"/>, read
/// from the IDX files that the Debian package <c>dataset-fashion-mnist</c> installs (<c>build/setup.sh</c> does).
/// </summary>
/// <remarks>
/// Columns: <c>Features</c>, <c>Vector&lt;Single, 1, 28, 28&gt;</c> with pixel values byte / 255 in [0, 1]; and
/// <c>Label</c>, <c>Key&lt;UInt32, 0-9&gt;</c> whose KeyValues are <see cref="ClassNames"/> in class-index order.
/// The usual pipeline works on it unchanged:
/// <c>mlContext.Transforms.Conversion.MapValueToKey("Label")</c> → trainer →
/// <c>MapKeyToValue("PredictedLabel")</c> gives class names such as "Ankle boot".
/// </remarks>
public static class FashionMnist
{
    /// <summary>Where the Debian package installs the IDX files.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The ten class names, index = label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>Loads the 60 000-row training split, or the 10 000-row test split.</summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="test">True for the test (t10k) split.</param>
    /// <param name="limit">Keep only the first rows (all when null).</param>
    /// <param name="directory">Where the IDX files are (default <see cref="DefaultDirectory"/>); each file may be gzip-compressed (<c>.gz</c>) or not.</param>
    /// <exception cref="DataFormatException">The files are not there or are not valid IDX files.</exception>
    public static InMemoryDataView Load(MLContext mlContext, bool test = false, int? limit = null, string? directory = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        directory ??= DefaultDirectory;
        string prefix = test ? "t10k" : "train";
        string images = Find(directory, $"{prefix}-images-idx3-ubyte");
        string labels = Find(directory, $"{prefix}-labels-idx1-ubyte");
        return IdxData.Load(mlContext, images, labels, limit, ClassNames);
    }

    /// <summary>The same rows in the engine's contiguous form (for tests, benchmarks and the training backends' own tests).</summary>
    internal static Dataset LoadDataset(bool test = false, int? limit = null, string? directory = null)
    {
        directory ??= DefaultDirectory;
        string prefix = test ? "t10k" : "train";
        return IdxReader.Load(Find(directory, $"{prefix}-images-idx3-ubyte"), Find(directory, $"{prefix}-labels-idx1-ubyte"), limit, ClassNames);
    }

    private static string Find(string directory, string stem)
    {
        foreach (var name in new[] { stem + ".gz", stem })
        {
            string path = Path.Combine(directory, name);
            if (File.Exists(path)) return path;
        }
        throw new DataFormatException(Path.Combine(directory, stem + ".gz"),
            "Fashion-MNIST is not installed here (file not found); build/setup.sh installs it (Debian package dataset-fashion-mnist).");
    }
}

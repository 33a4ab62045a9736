namespace MLNetMarginLoss.Data;

/// <summary>
/// Resolves data source names to datasets: the well-known <c>fashion-mnist</c> (training split, 60 000 rows) and
/// <c>fashion-mnist:test</c> (the t10k split, 10 000 rows) from <see cref="FashionMnistDirectory"/>, a <c>.csv</c>
/// file (<see cref="CsvLoader"/>) or a folder with one sub-folder of images per class (<see cref="ImageFolderLoader"/>).
/// </summary>
public static class DataSources
{
    /// <summary>Where the Debian package <c>dataset-fashion-mnist</c> installs the IDX files.</summary>
    public const string FashionMnistDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The source name of the Fashion-MNIST training split.</summary>
    public const string FashionMnist = "fashion-mnist";

    /// <summary>The source name of the Fashion-MNIST test split.</summary>
    public const string FashionMnistTest = "fashion-mnist:test";

    /// <summary>Fashion-MNIST's ten class names, index = label.</summary>
    public static IReadOnlyList<string> FashionMnistClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>True for the names of built-in data sets (<c>fashion-mnist</c>, <c>fashion-mnist:train</c>, <c>fashion-mnist:test</c>).</summary>
    public static bool IsWellKnown(string source) =>
        source is FashionMnist or FashionMnistTest or "fashion-mnist:train";

    /// <summary>
    /// Loads a source by name: a well-known data set, a <c>.csv</c> file or an image folder.
    /// </summary>
    /// <param name="source">The name or path.</param>
    /// <param name="limit">Keep only the first rows (all when null).</param>
    /// <exception cref="DataFormatException">The source is unknown, missing or unreadable.</exception>
    public static Dataset Load(string source, int? limit = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        if (IsWellKnown(source)) return LoadFashionMnist(test: source == FashionMnistTest, limit);
        if (Directory.Exists(source)) return ImageFolderLoader.Load(source, new ImageFolderOptions { Limit = limit });
        if (File.Exists(source) && source.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
            return CsvLoader.Load(source, new CsvLoaderOptions { Limit = limit });
        throw new DataFormatException(source, File.Exists(source)
            ? "is not a supported data file: expected a .csv file, an image folder, 'fashion-mnist' or 'fashion-mnist:test'."
            : "no such file or folder, and not a known data set ('fashion-mnist', 'fashion-mnist:test').");
    }

    /// <summary>
    /// Loads a source in an explicit format: <c>idx</c> (a well-known name, or an IDX images file whose labels
    /// file is found by replacing <c>images-idx3</c> with <c>labels-idx1</c> in its name), <c>csv</c> (label column by
    /// name) or <c>images</c> (a folder with one sub-folder per class). A null format is guessed from the source.
    /// </summary>
    /// <param name="source">The name or path.</param>
    /// <param name="format">idx, csv, images, or null to guess.</param>
    /// <param name="limit">Keep only the first rows (all when null).</param>
    /// <param name="labelColumn">CSV: the label column's name (default "Label").</param>
    /// <param name="requireLabels">CSV: fail when the label column is missing (false: load features only).</param>
    /// <exception cref="DataFormatException">The source is unknown, missing, unreadable or not of that format.</exception>
    public static Dataset Load(string source, string? format, int? limit, string? labelColumn = null, bool requireLabels = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        switch (format?.Trim().ToLowerInvariant())
        {
            case null or "" or "auto":
                if (source.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) && File.Exists(source))
                    return LoadCsv(source, limit, labelColumn, requireLabels);
                return Load(source, limit);
            case "idx":
                if (IsWellKnown(source)) return LoadFashionMnist(test: source == FashionMnistTest, limit);
                if (!File.Exists(source)) throw new DataFormatException(source, "no such IDX images file.");
                string name = Path.GetFileName(source);
                if (!name.Contains("images-idx3", StringComparison.Ordinal))
                    throw new DataFormatException(source, "expected an IDX images file named like '*-images-idx3-ubyte[.gz]' with its '*-labels-idx1-ubyte[.gz]' beside it.");
                string labels = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(source))!, name.Replace("images-idx3", "labels-idx1", StringComparison.Ordinal));
                if (!File.Exists(labels)) throw new DataFormatException(labels, "the labels file for these IDX images is missing.");
                return IdxReader.Load(source, labels, limit);
            case "csv":
                if (!File.Exists(source)) throw new DataFormatException(source, "no such CSV file.");
                return LoadCsv(source, limit, labelColumn, requireLabels);
            case "images":
                if (!Directory.Exists(source)) throw new DataFormatException(source, "no such image folder.");
                return ImageFolderLoader.Load(source, new ImageFolderOptions { Limit = limit });
            default:
                throw new DataFormatException(source, $"unknown format '{format}': expected idx, csv or images.");
        }
    }

    private static Dataset LoadCsv(string path, int? limit, string? labelColumn, bool requireLabels) =>
        CsvLoader.Load(path, new CsvLoaderOptions { Limit = limit, LabelColumn = labelColumn ?? "Label", RequireLabels = requireLabels });

    /// <summary>Loads Fashion-MNIST's training split (or the test split) with its class names.</summary>
    /// <param name="test">True for the 10 000-row t10k split.</param>
    /// <param name="limit">Keep only the first rows (all when null).</param>
    /// <param name="directory">Where the IDX files are (default <see cref="FashionMnistDirectory"/>).</param>
    /// <exception cref="DataFormatException">The files are not installed.</exception>
    public static Dataset LoadFashionMnist(bool test = false, int? limit = null, string? directory = null)
    {
        directory ??= FashionMnistDirectory;
        string prefix = test ? "t10k" : "train";
        string images = FindIdx(directory, $"{prefix}-images-idx3-ubyte");
        string labels = FindIdx(directory, $"{prefix}-labels-idx1-ubyte");
        return IdxReader.Load(images, labels, limit, FashionMnistClassNames);
    }

    private static string FindIdx(string directory, string stem)
    {
        foreach (var name in new[] { stem + ".gz", stem })
        {
            string path = Path.Combine(directory, name);
            if (File.Exists(path)) return path;
        }
        throw new DataFormatException(Path.Combine(directory, stem + ".gz"),
            "Fashion-MNIST is not installed here (file not found). Run build/setup.sh, which installs the dataset-fashion-mnist package.");
    }
}

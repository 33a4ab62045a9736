using MLNetMarginLoss.Data;

namespace MLNetMarginLoss;

/// <summary>Loads data into <see cref="Dataset"/>s: arrays, user classes, CSV, IDX, image folders, Fashion-MNIST.</summary>
public sealed class DataCatalog
{
    internal DataCatalog() { }

    /// <summary>Fashion-MNIST from the Debian package (training split, or test split with <paramref name="test"/>).</summary>
    public Dataset LoadFashionMnist(bool test = false, int? limit = null) => DataSources.LoadFashionMnist(test, limit);

    /// <summary>A CSV file with a header row; the label column is found by name, all other numeric columns are features.</summary>
    public Dataset LoadFromCsv(string path, string labelColumn = "Label", int? limit = null) =>
        CsvLoader.Load(path, new CsvLoaderOptions { LabelColumn = labelColumn, Limit = limit });

    /// <summary>An IDX images/labels pair (gzip or raw).</summary>
    public Dataset LoadFromIdx(string imagesPath, string labelsPath, int? limit = null) => IdxReader.Load(imagesPath, labelsPath, limit);

    /// <summary>A folder of images with one sub-folder per class.</summary>
    public Dataset LoadFromImageFolder(string root, ImageFolderOptions? options = null) => ImageFolderLoader.Load(root, options);

    /// <summary>Rows of user objects whose members carry <see cref="FeatureColumnAttribute"/> and <see cref="LabelColumnAttribute"/>.</summary>
    public Dataset LoadFromEnumerable<T>(IEnumerable<T> rows, IReadOnlyList<string>? classNames = null) => DatasetBuilder.FromRows(rows, classNames);

    /// <summary>Feature rows with optional integer labels.</summary>
    public Dataset LoadFromArrays(float[][] rows, int[]? labels = null, IReadOnlyList<string>? classNames = null) => DatasetBuilder.FromArrays(rows, labels, classNames);

    /// <summary>Any source by name or path (see <see cref="DataSources.Load(string, int?)"/>).</summary>
    public Dataset Load(string source, int? limit = null) => DataSources.Load(source, limit);
}

using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using MLNetMarginLoss.Data;
using SkiaSharp;

namespace MLNetMarginLoss;

/// <summary>
/// A folder with one sub-folder of images per class (<c>root/cat/1.png</c>, <c>root/dog/7.jpg</c>, …) as ML.NET
/// data: <see cref="Load"/> lists it as rows of (<c>ImagePath</c>, <c>Label</c>), and <see cref="Pixels"/> is the
/// <c>Microsoft.ML.ImageAnalytics</c> pipeline <c>LoadImages → ResizeImages → ExtractPixels</c> that turns the paths
/// into a <c>Features</c> tensor column.
/// </summary>
/// <remarks>
/// <para>Rows come in a stable order: class folders sorted by name (ordinal), then files sorted by name (ordinal)
/// within each. Files whose extension is not in <see cref="Extensions"/> are skipped, as are nested folders and files
/// beside the class folders; <see cref="Load"/> reports what it skipped through its <c>warn</c> callback.</para>
/// <para><c>ImagePath</c> is the image's full path (text). <c>Label</c> is a key over the class-folder names, in
/// sorted order, with the names as KeyValues, as in <see cref="InMemoryDataView"/>; so
/// <c>MapValueToKey("Label")</c> and <c>MapKeyToValue("PredictedLabel")</c> give folder names back.</para>
/// </remarks>
public static class ImageFolder
{
    /// <summary>The name of the column of image paths.</summary>
    public const string ImagePathColumnName = "ImagePath";

    /// <summary>The name of the label column.</summary>
    public const string LabelColumnName = "Label";

    /// <summary>File extensions (lower case) taken as images.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"];

    /// <summary>
    /// Lists the images of <paramref name="root"/>, checking that Skia (which ML.NET's LoadImages decodes with) can open
    /// each one: its header is read and must be a complete header of a known format. ML.NET's own error for such a
    /// file does not name it. A file whose header is fine but whose pixel data is cut short is decoded by ML.NET
    /// without complaint, the missing part left black; <paramref name="verifyPixels"/> decodes every image up front to
    /// catch that too.
    /// </summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="root">The folder of class folders.</param>
    /// <param name="warn">
    /// Receives a one-line warning for each class folder without images, which is then left out (it does not become a
    /// class), and one line for each kind of thing skipped — files without an image extension and folders inside the
    /// class folders that are read, files beside the class folders — with how many and the first few names. When null,
    /// a class folder without images is an error and skipped files are not reported.
    /// </param>
    /// <param name="verifyPixels">Also decode every image fully (slower: a whole decode per file) and fail on truncated pixel data.</param>
    /// <returns>An in-memory view of (<c>ImagePath</c>, <c>Label</c>) rows.</returns>
    /// <exception cref="DataFormatException">The folder is missing or has no class folders, a class folder has no images and <paramref name="warn"/> is null, no class has images, or a file is not a readable image (the message names it).</exception>
    public static IDataView Load(MLContext mlContext, string root, Action<string>? warn = null, bool verifyPixels = false)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentException.ThrowIfNullOrEmpty(root);
        if (!Directory.Exists(root)) throw new DataFormatException(root, "image folder not found.");
        string[] classDirs = [.. Directory.GetDirectories(root).Order(StringComparer.Ordinal)];
        if (classDirs.Length == 0)
            throw new DataFormatException(root, "has no class sub-folders; expected one sub-folder of images per class (root/<class>/<image>.png).");

        var classNames = new List<string>();
        var paths = new List<string>();
        var labels = new List<int>();
        var notImages = new List<string>();
        var nestedFolders = new List<string>();
        foreach (var dir in classDirs)
        {
            string name = Path.GetFileName(dir);
            string[] files = [.. Directory.GetFiles(dir).Order(StringComparer.Ordinal)];
            string[] images = [.. files.Where(IsImage)];
            if (images.Length == 0)
            {
                string problem = $"class folder '{name}' has no images ({string.Join(", ", Extensions)})";
                if (warn is null) throw new DataFormatException(dir, problem + ".");
                warn($"{dir}: {problem}; it is left out.");
                continue;
            }
            // What a class folder that is read holds besides its images (a folder left out is reported as a whole above).
            notImages.AddRange(files.Where(f => !IsImage(f)).Select(f => Path.GetRelativePath(root, f)));
            nestedFolders.AddRange(Directory.GetDirectories(dir).Order(StringComparer.Ordinal).Select(d => Path.GetRelativePath(root, d)));
            foreach (var file in images)
            {
                CheckReadable(file, verifyPixels);
                paths.Add(Path.GetFullPath(file));
                labels.Add(classNames.Count);
            }
            classNames.Add(name);
        }
        if (warn is not null)
        {
            ReportSkipped(warn, root, notImages, $"file(s) without an image extension ({string.Join(", ", Extensions)})");
            ReportSkipped(warn, root, nestedFolders, "folder(s) inside class folders (only the images directly in a class folder are read)");
            ReportSkipped(warn, root, [.. Directory.GetFiles(root).Order(StringComparer.Ordinal).Select(f => Path.GetRelativePath(root, f))],
                "file(s) beside the class folders (only class folders are read)");
        }
        if (paths.Count == 0) throw new DataFormatException(root, "no class folder has images.");

        var pathValues = paths.Select(p => p.AsMemory()).ToArray();
        int[] labelValues = [.. labels];
        return new ColumnarDataView(pathValues.Length,
            new ColumnarDataView.ColumnSource<ReadOnlyMemory<char>>(ImagePathColumnName, TextDataViewType.Instance,
                (int row, ref ReadOnlyMemory<char> value) => value = pathValues[row]),
            InMemoryDataView.LabelColumn(LabelColumnName, classNames, (int row, ref uint key) => key = (uint)labelValues[row] + 1));
    }

    /// <summary>
    /// The pipeline <c>LoadImages → ResizeImages(height, width) → [ConvertToGrayscale] → ExtractPixels</c>, giving
    /// <paramref name="outputColumnName"/> as a <c>Vector&lt;Single, C, H, W&gt;</c> (C = 1 grey or 3 RGB, planar, not
    /// interleaved) with pixel values byte / 255 in [0, 1]. The intermediate image column is dropped.
    /// </summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="height">Output height in pixels.</param>
    /// <param name="width">Output width in pixels.</param>
    /// <param name="grayscale">True for one grey channel (ML.NET's grayscale conversion, then the red plane); false for R, G, B.</param>
    /// <param name="resizing">How ResizeImages fits other aspect ratios: ML.NET's default crops the centre to keep the aspect ratio (IsoCrop).</param>
    /// <param name="inputColumnName">The column of image paths.</param>
    /// <param name="outputColumnName">The pixel column to produce.</param>
    /// <param name="imageFolder">A folder the paths are relative to; null when they are full paths, as <see cref="Load"/> writes them.</param>
    public static EstimatorChain<ITransformer> Pixels(MLContext mlContext, int height, int width, bool grayscale = false,
        ImageResizingEstimator.ResizingKind resizing = ImageResizingEstimator.ResizingKind.IsoCrop,
        string inputColumnName = ImagePathColumnName, string outputColumnName = InMemoryDataView.DefaultFeatureColumnName, string? imageFolder = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentException.ThrowIfNullOrEmpty(inputColumnName);
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        string image = outputColumnName + "Image";
        var chain = new EstimatorChain<ITransformer>()
            .Append<ITransformer>(mlContext.Transforms.LoadImages(image, imageFolder, inputColumnName))
            .Append<ITransformer>(mlContext.Transforms.ResizeImages(image, width, height, resizing: resizing));
        if (grayscale) chain = chain.Append<ITransformer>(mlContext.Transforms.ConvertToGrayscale(image));
        return chain
            .Append<ITransformer>(mlContext.Transforms.ExtractPixels(outputColumnName, image,
                colorsToExtract: grayscale ? ImagePixelExtractingEstimator.ColorBits.Red : ImagePixelExtractingEstimator.ColorBits.Rgb,
                interleavePixelColors: false, scaleImage: 1f / 255f))
            .Append<ITransformer>(mlContext.Transforms.DropColumns(image));
    }

    /// <summary>
    /// <see cref="Load"/> followed by <see cref="Pixels"/>: a view of <c>ImagePath</c>, <c>Label</c> and
    /// <c>Features</c> (<c>Vector&lt;Single, C, height, width&gt;</c>, values in [0, 1]). Images are decoded lazily,
    /// each time a cursor reads <c>Features</c>; use <c>mlContext.Data.Cache</c> to decode them once.
    /// </summary>
    /// <exception cref="DataFormatException">See <see cref="Load"/>.</exception>
    public static IDataView LoadPixels(MLContext mlContext, string root, int height, int width, bool grayscale = false, Action<string>? warn = null, bool verifyPixels = false)
    {
        var list = Load(mlContext, root, warn, verifyPixels);
        return Pixels(mlContext, height, width, grayscale).Fit(list).Transform(list);
    }

    /// <summary>
    /// The sizes of the images a view lists (such as <see cref="Load"/>'s), read from their headers without decoding
    /// the pixels: each distinct width × height with how many images have it, most common first. Use it to tell what
    /// <see cref="Pixels"/> will resize.
    /// </summary>
    /// <param name="images">A view with a text column of image paths.</param>
    /// <param name="imagePathColumnName">That column.</param>
    /// <exception cref="DataFormatException">An image cannot be read (the message names it).</exception>
    public static IReadOnlyList<(int Width, int Height, int Count)> Sizes(IDataView images, string imagePathColumnName = ImagePathColumnName)
    {
        ArgumentNullException.ThrowIfNull(images);
        var counts = new Dictionary<(int Width, int Height), int>();
        foreach (var path in images.GetColumn<string>(imagePathColumnName))
        {
            var size = ReadSize(path);
            counts[size] = counts.GetValueOrDefault(size) + 1;
        }
        return [.. counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key.Width).ThenBy(c => c.Key.Height)
            .Select(c => (c.Key.Width, c.Key.Height, c.Value))];
    }

    /// <summary>How many names <see cref="Load"/>'s reports of skipped files list before "… and N more".</summary>
    private const int SkippedNamesShown = 5;

    private static bool IsImage(string file) => Extensions.Contains(Path.GetExtension(file).ToLowerInvariant());

    /// <summary>One line for <paramref name="warn"/>: how many <paramref name="what"/> were skipped, and the first few names.</summary>
    private static void ReportSkipped(Action<string> warn, string root, IReadOnlyList<string> names, string what)
    {
        if (names.Count == 0) return;
        string shown = string.Join(", ", names.Take(SkippedNamesShown));
        string more = names.Count > SkippedNamesShown ? $", … and {names.Count - SkippedNamesShown} more" : "";
        warn($"{root}: skipped {names.Count} {what}: {shown}{more}.");
    }

    /// <summary>An image's width and height from its header.</summary>
    private static (int Width, int Height) ReadSize(string file)
    {
        try
        {
            using var codec = SKCodec.Create(file, out _);
            if (codec is not null && codec.Info.Width > 0 && codec.Info.Height > 0) return (codec.Info.Width, codec.Info.Height);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException(file, $"cannot be read: {e.Message}", e);
        }
        throw new DataFormatException(file, "is not a readable image.");
    }

    /// <summary>Throws unless Skia recognises the file and can read its whole header (and, when asked, all its pixels).</summary>
    private static void CheckReadable(string file, bool verifyPixels)
    {
        SKCodecResult result;
        try
        {
            using var codec = SKCodec.Create(file, out result);
            if (codec is not null && codec.Info.Width > 0 && codec.Info.Height > 0)
            {
                if (!verifyPixels) return;
                using var bitmap = new SKBitmap(codec.Info);
                result = codec.GetPixels(codec.Info, bitmap.GetPixels());
                if (result == SKCodecResult.Success) return;
                throw new DataFormatException(file, result == SKCodecResult.IncompleteInput
                    ? "is not a readable image: the file ends before all its pixels (truncated?)."
                    : $"is not a readable image: decoding its pixels failed ({result}).");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException(file, $"cannot be read: {e.Message}", e);
        }
        throw new DataFormatException(file, result switch
        {
            SKCodecResult.IncompleteInput => "is not a readable image: the file ends inside its header (truncated?).",
            SKCodecResult.Unimplemented => "is not a readable image: not a PNG, JPEG, BMP, GIF or WebP file.",
            _ => $"is not a readable image ({result}).",
        });
    }
}

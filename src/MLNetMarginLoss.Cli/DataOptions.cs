using System.CommandLine;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetMarginLoss.Cli;

/// <summary>
/// The data options the commands share, and the loading of a data source as an ML.NET <see cref="IDataView"/>:
/// <c>fashion-mnist</c> / <c>fashion-mnist:test</c> (IDX, Features [1, 28, 28]), an IDX images file, a CSV file
/// (TextLoader: the label column by name, every other column a feature), or a folder of class folders of images
/// (ImageAnalytics: image paths, decoded by the model's own first transforms). Labels come back as text, so every
/// command maps them to keys the same way (see <see cref="LabelKeys"/>).
/// </summary>
internal sealed class DataOptions
{
    public Option<string> Data { get; } = new("--data") { Description = "fashion-mnist, fashion-mnist:test, an IDX images file, a CSV file, or an image folder (one sub-folder per class).", Required = true };
    public Option<string?> Format { get; } = new("--format") { Description = "idx | csv | images (default: guessed from --data)." };
    public Option<string> LabelColumn { get; } = new("--label-column") { Description = "CSV: the label column's name (as in the header, case-sensitive).", DefaultValueFactory = _ => "Label" };
    public Option<string> ImageSize { get; } = new("--image-size") { Description = "Images: the size they are resized to, N or HxW.", DefaultValueFactory = _ => "28" };
    public Option<bool> Grayscale { get; } = new("--grayscale") { Description = "Images: one grey channel instead of R, G, B." };
    public Option<int?> Limit { get; } = new("--limit") { Description = "Use only the first N rows of --data." };

    /// <summary>Adds the options; train has its own --limit (the training data only).</summary>
    public void AddTo(Command command, bool withLimit = true)
    {
        if (withLimit) command.Add(Limit);
        command.Add(Data);
        command.Add(Format);
        command.Add(LabelColumn);
        command.Add(ImageSize);
        command.Add(Grayscale);
    }

    /// <summary>What a source is.</summary>
    public enum SourceKind { Idx, Csv, Images }

    /// <summary>Checks the options that need no data (run before anything is loaded).</summary>
    public void Validate(ParseResult result)
    {
        if (result.GetValue(Limit) is <= 0) throw new ArgumentException($"--limit must be a positive number of rows, got {result.GetValue(Limit)}.");
        ParseImageSize(result);
        _ = KindOf(result, result.GetValue(Data)!, checkExists: false);
    }

    /// <summary>The kind of <paramref name="source"/>: from --format, else guessed.</summary>
    public SourceKind KindOf(ParseResult result, string source, bool checkExists = true)
    {
        var format = result.GetValue(Format)?.Trim().ToLowerInvariant();
        switch (format)
        {
            case "idx": return SourceKind.Idx;
            case "csv": return SourceKind.Csv;
            case "images": return SourceKind.Images;
            case null or "" or "auto": break;
            default: throw new ArgumentException($"--format: expected idx, csv or images, found '{format}'.");
        }
        if (IsFashionMnist(source) || source.Contains("-idx3-ubyte", StringComparison.Ordinal)) return SourceKind.Idx;
        if (source.EndsWith(".csv", StringComparison.OrdinalIgnoreCase)) return SourceKind.Csv;
        if (Directory.Exists(source)) return SourceKind.Images;
        if (!checkExists) return SourceKind.Csv;
        throw new ArgumentException(File.Exists(source)
            ? $"{source}: not a supported data file; expected a .csv file, an IDX images file (*-images-idx3-ubyte[.gz]), an image folder, 'fashion-mnist' or 'fashion-mnist:test' (or set --format)."
            : $"{source}: no such file or folder, and not a known data set ('fashion-mnist', 'fashion-mnist:test').");
    }

    /// <summary>
    /// Loads <paramref name="source"/> (else the --data value, cut to --limit rows when the command has it): Features or
    /// ImagePath, and Label (text or key).
    /// </summary>
    public IDataView Load(MLContext ml, ParseResult result, string? source = null)
    {
        if (source is null && result.GetValue(Limit) is { } limit)
            return ml.Data.TakeRows(Load(ml, result, result.GetValue(Data)!), limit);
        source ??= result.GetValue(Data)!;
        return KindOf(result, source) switch
        {
            SourceKind.Idx => LoadIdx(ml, source),
            SourceKind.Csv => CsvData.Load(ml, source, result.GetValue(LabelColumn)!),
            _ => ImageFolder.Load(ml, source, warn: w => Console.Error.WriteLine("warning: " + w), verifyPixels: true),
        };
    }

    /// <summary>The transforms that turn a source's rows into Features before the trainer (images: decode, resize, pixels; else none).</summary>
    public IEstimator<ITransformer>? Preparation(MLContext ml, ParseResult result, string? backbone)
    {
        if (KindOf(result, result.GetValue(Data)!) != SourceKind.Images)
        {
            if (backbone is not null) throw new ArgumentException("--backbone needs an image folder as --data.");
            return null;
        }
        if (backbone is not null) return PretrainedBackbone.ResNet18(ml);
        var (h, w) = ParseImageSize(result);
        return ImageFolder.Pixels(ml, h, w, result.GetValue(Grayscale));
    }

    /// <summary>The label column of <paramref name="source"/> as the user knows it: CSV, the --label-column header name; else Label.</summary>
    public string LabelColumnName(ParseResult result, string source) =>
        KindOf(result, source) == SourceKind.Csv ? result.GetValue(LabelColumn)! : LabelKeys.Label;

    /// <summary>
    /// For an image folder, says on stderr when its images are resized for training: how many, from which sizes
    /// (height×width, as --image-size) to which, and that the centre is cropped where the aspect ratio differs.
    /// </summary>
    public void ReportResizing(IDataView listed, string source, ParseResult result, string? backbone)
    {
        if (KindOf(result, source) != SourceKind.Images) return;
        var (h, w) = backbone is null ? ParseImageSize(result) : (PretrainedBackbone.ResNet18ImageSize, PretrainedBackbone.ResNet18ImageSize);
        var other = ImageFolder.Sizes(listed).Where(s => s.Height != h || s.Width != w).ToArray();
        if (other.Length == 0) return;
        int count = other.Sum(s => s.Count), shown = 5;
        string from = string.Join(", ", other.Take(shown).Select(s => $"{s.Height}x{s.Width} ({s.Count})"))
            + (other.Length > shown ? $", … ({other.Length} sizes in all)" : "");
        bool cropped = other.Any(s => (long)s.Height * w != (long)s.Width * h);
        Console.Error.WriteLine($"{source}: resizing {count} image(s) to {h}x{w}{(backbone is null ? " (--image-size)" : " (the ResNet-18 backbone's input)")} from {from}"
            + (cropped ? "; where the aspect ratio differs, the centre is cropped." : "."));
    }

    private static IDataView LoadIdx(MLContext ml, string source)
    {
        if (IsFashionMnist(source)) return FashionMnist.Load(ml, test: source == "fashion-mnist:test");
        if (!File.Exists(source)) throw new ArgumentException($"{source}: no such IDX images file.");
        string name = Path.GetFileName(source);
        if (!name.Contains("images-idx3", StringComparison.Ordinal))
            throw new ArgumentException($"{source}: expected an IDX images file named like '*-images-idx3-ubyte[.gz]' with its '*-labels-idx1-ubyte[.gz]' beside it.");
        string labels = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(source))!, name.Replace("images-idx3", "labels-idx1", StringComparison.Ordinal));
        if (!File.Exists(labels)) throw new ArgumentException($"{labels}: the labels file for these IDX images is missing.");
        return IdxData.Load(ml, source, labels);
    }

    private static bool IsFashionMnist(string source) => source is "fashion-mnist" or "fashion-mnist:train" or "fashion-mnist:test";

    private (int Height, int Width) ParseImageSize(ParseResult result)
    {
        string text = result.GetValue(ImageSize)!.Trim().ToLowerInvariant();
        var parts = text.Split('x');
        if (parts.Length is 1 or 2 && parts.All(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v is >= 6 and <= 4096))
        {
            int h = int.Parse(parts[0], CultureInfo.InvariantCulture);
            return (h, parts.Length == 2 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : h);
        }
        throw new ArgumentException($"--image-size: expected N or HxW with sizes from 6 to 4096, found '{text}'.");
    }
}

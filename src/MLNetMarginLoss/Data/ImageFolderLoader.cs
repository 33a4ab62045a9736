using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Data;

/// <summary>
/// Loads a folder with one sub-folder per class (<c>root/cat/1.png</c>, <c>root/dog/7.jpg</c>, …) into a dataset of
/// (C, H, W) images. Classes are the sub-folder names in ordinal order; files are read in ordinal name order; files
/// without an image extension (<see cref="ImageDecoder.Extensions"/>) are skipped. Pixel values are in [0, 1].
/// </summary>
public static class ImageFolderLoader
{
    /// <summary>Loads the folder.</summary>
    /// <exception cref="DataFormatException">The folder is missing or empty, a class has no images, an image is unreadable (the message names it), or sizes differ without a target size.</exception>
    public static Dataset Load(string root, ImageFolderOptions? options = null)
    {
        options ??= new ImageFolderOptions();
        if (options.Channels is not (null or 1 or 3)) throw new ArgumentException($"Channels must be 1 or 3, found {options.Channels}.", nameof(options));
        if ((options.Height is null) != (options.Width is null)) throw new ArgumentException("Give both Height and Width, or neither.", nameof(options));
        if (options.Height is <= 0 || options.Width is <= 0) throw new ArgumentException($"Target size {options.Height}×{options.Width} must be positive.", nameof(options));
        if (!Directory.Exists(root)) throw new DataFormatException(root, "image folder not found.");

        string[] classDirs = [.. Directory.GetDirectories(root).Order(StringComparer.Ordinal)];
        if (classDirs.Length == 0)
            throw new DataFormatException(root, "has no class sub-folders; expected one sub-folder of images per class (root/<class>/<image>.png).");
        var classNames = classDirs.Select(Path.GetFileName).ToArray();

        var files = new List<(string Path, int Label)>();
        for (int c = 0; c < classDirs.Length; c++)
        {
            var images = Directory.GetFiles(classDirs[c])
                .Where(f => ImageDecoder.Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
                .Order(StringComparer.Ordinal).ToArray();
            if (images.Length == 0)
                throw new DataFormatException(classDirs[c], $"class folder '{classNames[c]}' has no images ({string.Join(", ", ImageDecoder.Extensions)}).");
            files.AddRange(images.Select(f => (f, c)));
        }
        if (options.Limit is int limit && limit < files.Count) files.RemoveRange(limit, files.Count - limit);
        if (files.Count == 0) throw new DataFormatException(root, "the row limit leaves no images.");

        var decoded = new Image[files.Count];
        for (int i = 0; i < files.Count; i++) decoded[i] = ImageDecoder.Load(files[i].Path);

        int channels = options.Channels ?? (decoded.All(im => im.Channels <= 2) ? 1 : 3);
        int height = options.Height ?? decoded[0].Height, width = options.Width ?? decoded[0].Width;
        var shape = new TensorShape(channels, height, width);
        var features = new float[(long)files.Count * shape.Size];
        for (int i = 0; i < decoded.Length; i++)
        {
            var image = decoded[i];
            if (options.Height is null && (image.Height != height || image.Width != width))
                throw new DataFormatException(files[i].Path,
                    $"is {image.Height}×{image.Width} but {files[0].Path} is {height}×{width}; set a target size (Height and Width) to resize them.");
            image = channels == 1 ? ImageTransforms.ToGrayscale(image) : ImageTransforms.ToRgb(image);
            if (image.Height != height || image.Width != width) image = ImageTransforms.Resize(image, height, width);
            image.Data.CopyTo(features, (long)i * shape.Size);
            decoded[i] = null!; // let the decoded image go
        }
        return new Dataset(features, shape, [.. files.Select(f => f.Label)], classNames!, root);
    }
}

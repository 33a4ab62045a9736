using MLNetMarginLoss.Data;
using SkiaSharp;

namespace MLNetMarginLoss.Tests.Data;

/// <summary>Writes real Fashion-MNIST images as PNG or JPEG files in class folders, with SkiaSharp.</summary>
internal static class FashionMnistImageFiles
{
    /// <summary>One written image: its path, class folder and source pixels (bytes, 28 × 28).</summary>
    public sealed record Written(string Path, string ClassName, byte[] Pixels);

    /// <summary>
    /// Writes the first <paramref name="perClass"/> training images of each class in <paramref name="classes"/> under
    /// <paramref name="root"/>/&lt;folder name&gt;/NNN.png|jpg; <paramref name="jpeg"/> chooses the format of each image by its index.
    /// </summary>
    public static List<Written> Write(string root, IReadOnlyDictionary<int, string> classes, int perClass, Func<int, bool> jpeg)
    {
        var (_, pixels) = IdxReader.ReadBytes(Path.Combine(MLNetMarginLoss.FashionMnist.DefaultDirectory, "train-images-idx3-ubyte.gz"), 3000);
        var (_, labels) = IdxReader.ReadBytes(Path.Combine(MLNetMarginLoss.FashionMnist.DefaultDirectory, "train-labels-idx1-ubyte.gz"), 3000);
        var written = new List<Written>();
        foreach (var (label, name) in classes)
        {
            string dir = Directory.CreateDirectory(Path.Combine(root, name)).FullName;
            int count = 0;
            for (int i = 0; i < labels.Length && count < perClass; i++)
            {
                if (labels[i] != label) continue;
                byte[] image = pixels.AsSpan(i * 784, 784).ToArray();
                bool asJpeg = jpeg(count);
                string path = Path.Combine(dir, $"{count:D3}.{(asJpeg ? "jpg" : "png")}");
                File.WriteAllBytes(path, Encode(image, 28, 28, asJpeg));
                written.Add(new Written(path, name, image));
                count++;
            }
        }
        return written;
    }

    /// <summary>A grey image encoded as PNG or JPEG (quality 95).</summary>
    public static byte[] Encode(byte[] gray, int height, int width, bool jpeg)
    {
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                byte v = gray[y * width + x];
                bitmap.SetPixel(x, y, new SKColor(v, v, v));
            }
        using var data = bitmap.Encode(jpeg ? SKEncodedImageFormat.Jpeg : SKEncodedImageFormat.Png, jpeg ? 95 : 100);
        return data.ToArray();
    }
}

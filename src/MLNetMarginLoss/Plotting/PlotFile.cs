using ScottPlot;
using SkiaSharp;

namespace MLNetMarginLoss.Plotting;

/// <summary>
/// Saves plots and multi-panel figures as PNG or SVG files, 800 × 600 pixels by default. The format comes from
/// <c>format</c> when given, else from the file extension (".png" or ".svg", case-insensitive); a ".png" or ".svg"
/// extension that contradicts <c>format</c> is an error. Files are written atomically: the image goes to a
/// temporary file in the destination folder, which is then moved over the destination, so a reader never sees a
/// half-written file. The destination folder must exist.
/// </summary>
public static class PlotFile
{
    /// <summary>Default image width in pixels.</summary>
    public const int DefaultWidth = 800;

    /// <summary>Default image height in pixels.</summary>
    public const int DefaultHeight = 600;

    /// <summary>Saves <paramref name="plot"/> to <paramref name="path"/> and returns the full path written.</summary>
    public static string Save(Plot plot, string path, int width = DefaultWidth, int height = DefaultHeight, PlotFormat? format = null)
    {
        ArgumentNullException.ThrowIfNull(plot);
        return Write(path, width, height, format, f => Render(plot, width, height, f));
    }

    /// <summary>Saves the multi-panel <paramref name="figure"/> to <paramref name="path"/> and returns the full path written.</summary>
    public static string Save(Multiplot figure, string path, int width = DefaultWidth, int height = DefaultHeight, PlotFormat? format = null)
    {
        ArgumentNullException.ThrowIfNull(figure);
        return Write(path, width, height, format, f => Render(figure, width, height, f));
    }

    /// <summary>The format named by the extension of <paramref name="path"/>: ".png" → Png, ".svg" → Svg.</summary>
    /// <exception cref="ArgumentException">The extension is neither.</exception>
    public static PlotFormat FormatOf(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".png" => PlotFormat.Png,
            ".svg" => PlotFormat.Svg,
            var ext => throw new ArgumentException(
                $"Cannot tell the image format of '{path}' from its extension '{ext}'; use .png or .svg, or pass the format.", nameof(path)),
        };
    }

    /// <summary>The encoded image of <paramref name="plot"/>: PNG bytes, or the UTF-8 SVG document.</summary>
    public static byte[] Render(Plot plot, int width, int height, PlotFormat format)
    {
        ArgumentNullException.ThrowIfNull(plot);
        CheckSize(width, height);
        return format switch
        {
            PlotFormat.Png => plot.GetImageBytes(width, height, ImageFormat.Png),
            PlotFormat.Svg => System.Text.Encoding.UTF8.GetBytes(plot.GetSvgXml(width, height)),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown plot format."),
        };
    }

    /// <summary>The encoded image of the multi-panel <paramref name="figure"/>: PNG bytes, or the UTF-8 SVG document.</summary>
    public static byte[] Render(Multiplot figure, int width, int height, PlotFormat format)
    {
        ArgumentNullException.ThrowIfNull(figure);
        CheckSize(width, height);
        var rect = new PixelRect(0, width, height, 0);
        switch (format)
        {
            case PlotFormat.Png:
            {
                using var surface = SKSurface.Create(new SKImageInfo(width, height))
                    ?? throw new InvalidOperationException($"Could not create a {width}×{height} drawing surface.");
                RenderOnWhite(figure, surface.Canvas, rect);
                using var image = surface.Snapshot();
                using var data = image.Encode(SKEncodedImageFormat.Png, 100);
                return data.ToArray();
            }
            case PlotFormat.Svg:
            {
                using var stream = new MemoryStream();
                using (var canvas = SKSvgCanvas.Create(new SKRect(0, 0, width, height), stream))
                    RenderOnWhite(figure, canvas, rect);
                return stream.ToArray();
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown plot format.");
        }
    }

    /// <summary>
    /// Draws the subplots where the figure's layout puts them, on a white background. (Multiplot.Render clears the
    /// canvas to transparent first, which leaves see-through gaps in a PNG and becomes an unfilled — black — rectangle
    /// in an SVG.)
    /// </summary>
    private static void RenderOnWhite(Multiplot figure, SKCanvas canvas, PixelRect rect)
    {
        canvas.Clear(SKColors.White);
        figure.SharedAxes.UpdateSharedPlotAxisLimits();
        var places = figure.Layout.GetSubplotRectangles(figure.Subplots, rect);
        for (int i = 0; i < figure.Subplots.Count; i++)
        {
            var plot = figure.Subplots.GetPlot(i);
            plot.RenderManager.ClearCanvasBeforeEachRender = false;
            plot.Render(canvas, places[i]);
        }
    }

    private static string Write(string path, int width, int height, PlotFormat? format, Func<PlotFormat, byte[]> render)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        CheckSize(width, height);
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir))
            throw new ArgumentException($"Cannot save the plot to '{full}': the folder '{dir}' does not exist.", nameof(path));
        var f = format ?? FormatOf(full);
        string ext = Path.GetExtension(full).ToLowerInvariant();
        if ((ext == ".png" && f != PlotFormat.Png) || (ext == ".svg" && f != PlotFormat.Svg))
            throw new ArgumentException($"The path '{full}' names a {ext} file but {f} was asked for.", nameof(format));
        var bytes = render(f);
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
        return full;
    }

    private static void CheckSize(int width, int height)
    {
        if (width < 1 || height < 1 || width > 16384 || height > 16384)
            throw new ArgumentOutOfRangeException(nameof(width), $"The image size must be between 1 and 16384 pixels each way; got {width}×{height}.");
    }
}

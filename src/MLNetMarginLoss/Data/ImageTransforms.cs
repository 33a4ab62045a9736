using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Data;

/// <summary>
/// Image preprocessing and augmentation on <see cref="Image"/> (float CHW): resize (bilinear), grayscale and RGB
/// conversion, normalisation, centre and random crops, horizontal flip, rotation and histogram equalisation.
/// Each returns a new image and leaves its input unchanged. Conventions follow torchvision/PIL where they differ.
/// </summary>
internal static class ImageTransforms
{
    /// <summary>
    /// Bilinear resize with half-pixel centres (torchvision's <c>align_corners=False</c>, no antialiasing):
    /// output pixel (x, y) samples the input at ((x + 0.5)·W/w − 0.5, (y + 0.5)·H/h − 0.5), clamped to the edges.
    /// </summary>
    public static Image Resize(Image image, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        if (height == image.Height && width == image.Width) return image.Clone();
        var result = new Image(image.Channels, height, width);
        int H = image.Height, W = image.Width;
        var x0 = new int[width]; var x1 = new int[width]; var fx = new float[width];
        for (int x = 0; x < width; x++) Coordinates(x, W, width, out x0[x], out x1[x], out fx[x]);
        for (int c = 0; c < image.Channels; c++)
        {
            var src = image.Plane(c);
            var dst = result.Plane(c);
            for (int y = 0; y < height; y++)
            {
                Coordinates(y, H, height, out int y0, out int y1, out float fy);
                var r0 = src.Slice(y0 * W, W); var r1 = src.Slice(y1 * W, W);
                for (int x = 0; x < width; x++)
                {
                    float top = r0[x0[x]] + (r0[x1[x]] - r0[x0[x]]) * fx[x];
                    float bottom = r1[x0[x]] + (r1[x1[x]] - r1[x0[x]]) * fx[x];
                    dst[y * width + x] = top + (bottom - top) * fy;
                }
            }
        }
        return result;
    }

    private static void Coordinates(int o, int inSize, int outSize, out int i0, out int i1, out float f)
    {
        double s = (o + 0.5) * inSize / outSize - 0.5;
        if (s < 0) s = 0;
        i0 = Math.Min((int)s, inSize - 1);
        i1 = Math.Min(i0 + 1, inSize - 1);
        f = (float)(s - i0);
        if (i0 == i1) f = 0;
    }

    /// <summary>One channel of luma, L = 0.299 R + 0.587 G + 0.114 B (ITU-R 601, as PIL's "L"); alpha is dropped; gray stays gray.</summary>
    public static Image ToGrayscale(Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Channels <= 2) return new Image(1, image.Height, image.Width, image.Plane(0).ToArray());
        var result = new Image(1, image.Height, image.Width);
        var r = image.Plane(0); var g = image.Plane(1); var b = image.Plane(2); var l = result.Plane(0);
        for (int i = 0; i < l.Length; i++) l[i] = 0.299f * r[i] + 0.587f * g[i] + 0.114f * b[i];
        return result;
    }

    /// <summary>Three channels: gray is repeated, alpha dropped.</summary>
    public static Image ToRgb(Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var result = new Image(3, image.Height, image.Width);
        for (int c = 0; c < 3; c++) image.Plane(image.Channels >= 3 ? c : 0).CopyTo(result.Plane(c));
        return result;
    }

    /// <summary>(x − mean[c]) / std[c] per channel; one mean/std value applies to every channel.</summary>
    /// <exception cref="ArgumentException">The counts do not match the channels, or a std is not positive.</exception>
    public static Image Normalize(Image image, IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (mean.Count != 1 && mean.Count != image.Channels) throw new ArgumentException($"Expected 1 or {image.Channels} means, found {mean.Count}.", nameof(mean));
        if (std.Count != 1 && std.Count != image.Channels) throw new ArgumentException($"Expected 1 or {image.Channels} standard deviations, found {std.Count}.", nameof(std));
        if (std.Any(s => !(s > 0))) throw new ArgumentException("Standard deviations must be positive.", nameof(std));
        var result = image.Clone();
        for (int c = 0; c < image.Channels; c++)
        {
            float m = mean[mean.Count == 1 ? 0 : c], inv = 1f / std[std.Count == 1 ? 0 : c];
            var p = result.Plane(c);
            for (int i = 0; i < p.Length; i++) p[i] = (p[i] - m) * inv;
        }
        return result;
    }

    /// <summary>The <paramref name="height"/> × <paramref name="width"/> window at (<paramref name="top"/>, <paramref name="left"/>); parts outside the image are <paramref name="fill"/>.</summary>
    public static Image Crop(Image image, int top, int left, int height, int width, float fill = 0f)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        var result = new Image(image.Channels, height, width);
        if (fill != 0) Array.Fill(result.Data, fill);
        for (int c = 0; c < image.Channels; c++)
            for (int y = 0; y < height; y++)
            {
                int sy = top + y;
                if ((uint)sy >= (uint)image.Height) continue;
                int from = Math.Max(0, left), to = Math.Min(image.Width, left + width);
                if (to > from) image.Plane(c).Slice(sy * image.Width + from, to - from).CopyTo(result.Plane(c).Slice(y * width + from - left));
            }
        return result;
    }

    /// <summary>The centred window (top = round((H − h)/2), as torchvision); a window larger than the image is zero-padded.</summary>
    public static Image CenterCrop(Image image, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(image);
        int top = (int)Math.Round((image.Height - height) / 2.0), left = (int)Math.Round((image.Width - width) / 2.0);
        return Crop(image, top, left, height, width);
    }

    /// <summary>A window at a uniformly random position of the image padded by <paramref name="padding"/> zeros on each side.</summary>
    /// <exception cref="ArgumentException">The window does not fit in the padded image.</exception>
    public static Image RandomCrop(Image image, int height, int width, SeededRandom random, int padding = 0)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        int spanY = image.Height + 2 * padding - height, spanX = image.Width + 2 * padding - width;
        if (spanY < 0 || spanX < 0)
            throw new ArgumentException($"A {height}×{width} crop does not fit a {image.Height}×{image.Width} image padded by {padding}.");
        return Crop(image, random.NextInt(spanY + 1) - padding, random.NextInt(spanX + 1) - padding, height, width);
    }

    /// <summary>The mirror image (left and right swapped).</summary>
    public static Image HorizontalFlip(Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var result = image.Clone();
        for (int c = 0; c < image.Channels; c++)
            for (int y = 0; y < image.Height; y++) result.Plane(c).Slice(y * image.Width, image.Width).Reverse();
        return result;
    }

    /// <summary>Flips with probability <paramref name="probability"/>, otherwise returns a copy.</summary>
    public static Image RandomHorizontalFlip(Image image, SeededRandom random, double probability = 0.5)
    {
        ArgumentNullException.ThrowIfNull(random);
        return random.NextDouble() < probability ? HorizontalFlip(image) : image.Clone();
    }

    /// <summary>
    /// Rotates counter-clockwise by <paramref name="degrees"/> about the image centre ((W−1)/2, (H−1)/2), keeping the size;
    /// bilinear sampling, <paramref name="fill"/> outside the source.
    /// </summary>
    public static Image Rotate(Image image, double degrees, float fill = 0f)
    {
        ArgumentNullException.ThrowIfNull(image);
        var result = new Image(image.Channels, image.Height, image.Width);
        double theta = degrees * Math.PI / 180, cos = Math.Cos(theta), sin = Math.Sin(theta);
        // Snap exact right angles so that 90° turns move pixels exactly.
        if (Math.Abs(cos) < 1e-12) cos = 0;
        if (Math.Abs(sin) < 1e-12) sin = 0;
        double cx = (image.Width - 1) / 2.0, cy = (image.Height - 1) / 2.0;
        int W = image.Width, H = image.Height;
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
            {
                double dx = x - cx, dy = y - cy;
                double sx = cx + cos * dx - sin * dy, sy = cy + sin * dx + cos * dy;
                int ix = (int)Math.Floor(sx), iy = (int)Math.Floor(sy);
                double fx = sx - ix, fy = sy - iy;
                if (fx < 1e-9) fx = 0; else if (fx > 1 - 1e-9) { fx = 0; ix++; }
                if (fy < 1e-9) fy = 0; else if (fy > 1 - 1e-9) { fy = 0; iy++; }
                for (int c = 0; c < image.Channels; c++)
                {
                    float[] d = image.Data;
                    int plane = c * W * H;
                    float At(int xx, int yy) => (uint)xx < (uint)W && (uint)yy < (uint)H ? d[plane + yy * W + xx] : fill;
                    double top = At(ix, iy) * (1 - fx) + (fx > 0 ? At(ix + 1, iy) * fx : 0);
                    double bottom = fy > 0 ? At(ix, iy + 1) * (1 - fx) + (fx > 0 ? At(ix + 1, iy + 1) * fx : 0) : 0;
                    result[c, y, x] = (float)(top * (1 - fy) + bottom * fy);
                }
            }
        return result;
    }

    /// <summary>
    /// Histogram equalisation per channel, as PIL's <c>ImageOps.equalize</c>: values are quantised to 256 levels
    /// (round(v·255), clamped), mapped through the cumulative histogram, and scaled back to [0, 1].
    /// A channel with a single level (or nearly so) is returned quantised but otherwise unchanged.
    /// </summary>
    public static Image EqualizeHistogram(Image image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var result = new Image(image.Channels, image.Height, image.Width);
        Span<int> histogram = stackalloc int[256];
        Span<int> lut = stackalloc int[256];
        var levels = new byte[image.Height * image.Width];
        for (int c = 0; c < image.Channels; c++)
        {
            var src = image.Plane(c);
            histogram.Clear();
            for (int i = 0; i < src.Length; i++)
            {
                float v = src[i];
                levels[i] = (byte)(float.IsNaN(v) ? 0 : Math.Clamp((int)MathF.Round(v * 255f), 0, 255));
                histogram[levels[i]]++;
            }
            int last = 255;
            while (last > 0 && histogram[last] == 0) last--;
            int step = (src.Length - histogram[last]) / 255;
            if (step == 0)
                for (int i = 0; i < 256; i++) lut[i] = i;
            else
            {
                int n = step / 2;
                for (int i = 0; i < 256; i++)
                {
                    lut[i] = Math.Min(255, n / step);
                    n += histogram[i];
                }
            }
            var dst = result.Plane(c);
            for (int i = 0; i < dst.Length; i++) dst[i] = lut[levels[i]] / 255f;
        }
        return result;
    }
}

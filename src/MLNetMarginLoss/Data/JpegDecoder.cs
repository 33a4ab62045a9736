using System.Reflection;
using System.Runtime.InteropServices;

namespace MLNetMarginLoss.Data;

/// <summary>
/// Decodes JPEG files through libjpeg-turbo's TurboJPEG API (<c>libturbojpeg.so.0</c>, Debian package
/// <c>libturbojpeg0</c>, installed by build/setup.sh), loaded at run time with <see cref="NativeLibrary.TryLoad(string, out IntPtr)"/>.
/// Grayscale JPEGs give one channel, all others RGB; values are scaled to [0, 1]. Warnings (such as a truncated
/// file) are treated as errors.
/// </summary>
public static unsafe class JpegDecoder
{
    private static readonly string[] Candidates = ["libturbojpeg.so.0", "libturbojpeg.so", "libturbojpeg.0.dylib", "libturbojpeg.dylib", "turbojpeg.dll", "turbojpeg"];
    private const int PixelFormatRgb = 0, PixelFormatGray = 6, ColorspaceGray = 2, FlagStopOnWarning = 8192;

    private sealed class Api
    {
        public delegate* unmanaged<IntPtr> InitDecompress;
        public delegate* unmanaged<IntPtr, byte*, CULong, int*, int*, int*, int*, int> DecompressHeader3;
        public delegate* unmanaged<IntPtr, byte*, CULong, byte*, int, int, int, int, int, int> Decompress2;
        public delegate* unmanaged<IntPtr, int> Destroy;
        public delegate* unmanaged<IntPtr, byte*> GetErrorStr2;
    }

    private static readonly Lazy<Api?> Loaded = new(Load);

    /// <summary>Whether libturbojpeg could be loaded on this machine.</summary>
    public static bool IsAvailable => Loaded.Value is not null;

    /// <summary>True when <paramref name="bytes"/> start with a JPEG marker (FF D8 FF).</summary>
    public static bool IsJpeg(ReadOnlySpan<byte> bytes) => bytes.Length >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF;

    /// <summary>Decodes a JPEG file.</summary>
    /// <exception cref="DataFormatException">The file is not a readable JPEG, or libturbojpeg is not installed.</exception>
    public static Image Decode(string path) => Decode(File.ReadAllBytes(path), path);

    /// <summary>Decodes JPEG bytes; <paramref name="source"/> names them in error messages.</summary>
    /// <exception cref="DataFormatException">The bytes are not a readable JPEG, or libturbojpeg is not installed.</exception>
    public static Image Decode(byte[] bytes, string source)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var api = Loaded.Value ?? throw new DataFormatException(source,
            "JPEG images need libjpeg-turbo's libturbojpeg.so.0, which could not be loaded. Run build/setup.sh (Debian package libturbojpeg0), or convert the images to PNG.");
        if (!IsJpeg(bytes)) throw new DataFormatException(source, "is not a JPEG file (expected the bytes FF D8 FF).");
        IntPtr handle = api.InitDecompress();
        if (handle == IntPtr.Zero) throw new DataFormatException(source, "libturbojpeg could not create a decompressor.");
        try
        {
            fixed (byte* src = bytes)
            {
                int width, height, subsampling, colorspace;
                if (api.DecompressHeader3(handle, src, new CULong((nuint)bytes.Length), &width, &height, &subsampling, &colorspace) != 0)
                    throw new DataFormatException(source, $"JPEG header is not readable: {Error(api, handle)}.");
                if (width <= 0 || height <= 0)
                    throw new DataFormatException(source, $"JPEG header is not readable: it gives a {width}×{height} image (truncated or corrupt).");
                if ((long)width * height > PngDecoder.MaxPixels)
                    throw new DataFormatException(source, $"JPEG size {width}×{height} is larger than {PngDecoder.MaxPixels} pixels.");
                bool gray = colorspace == ColorspaceGray;
                int channels = gray ? 1 : 3;
                var pixels = new byte[(long)width * height * channels];
                fixed (byte* dst = pixels)
                {
                    if (api.Decompress2(handle, src, new CULong((nuint)bytes.Length), dst, width, width * channels, height,
                            gray ? PixelFormatGray : PixelFormatRgb, FlagStopOnWarning) != 0)
                        throw new DataFormatException(source, $"JPEG data is not readable: {Error(api, handle)}.");
                }
                var image = new Image(channels, height, width);
                int plane = width * height;
                const float scale = 1f / 255f;
                for (int i = 0; i < plane; i++)
                    for (int c = 0; c < channels; c++)
                        image.Data[c * plane + i] = pixels[i * channels + c] * scale;
                return image;
            }
        }
        finally
        {
            api.Destroy(handle);
        }
    }

    private static string Error(Api api, IntPtr handle)
    {
        byte* s = api.GetErrorStr2 != null ? api.GetErrorStr2(handle) : null;
        return s == null ? "unknown error" : Marshal.PtrToStringUTF8((IntPtr)s) ?? "unknown error";
    }

    private static Api? Load()
    {
        foreach (var name in Candidates)
        {
            if (!NativeLibrary.TryLoad(name, Assembly.GetExecutingAssembly(), null, out var lib) && !NativeLibrary.TryLoad(name, out lib)) continue;
            if (!NativeLibrary.TryGetExport(lib, "tjInitDecompress", out var init)
                || !NativeLibrary.TryGetExport(lib, "tjDecompressHeader3", out var header)
                || !NativeLibrary.TryGetExport(lib, "tjDecompress2", out var decompress)
                || !NativeLibrary.TryGetExport(lib, "tjDestroy", out var destroy)) continue;
            NativeLibrary.TryGetExport(lib, "tjGetErrorStr2", out var error);
            return new Api
            {
                InitDecompress = (delegate* unmanaged<IntPtr>)init,
                DecompressHeader3 = (delegate* unmanaged<IntPtr, byte*, CULong, int*, int*, int*, int*, int>)header,
                Decompress2 = (delegate* unmanaged<IntPtr, byte*, CULong, byte*, int, int, int, int, int, int>)decompress,
                Destroy = (delegate* unmanaged<IntPtr, int>)destroy,
                GetErrorStr2 = (delegate* unmanaged<IntPtr, byte*>)error,
            };
        }
        return null;
    }
}

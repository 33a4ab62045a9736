using System.Runtime.InteropServices;

namespace MLNetMarginLoss.Tests.Data;

/// <summary>Writes JPEGs for tests with libturbojpeg's tjCompress2 (quality 100, no chroma subsampling).</summary>
internal static unsafe class TestJpegEncoder
{
    public static byte[] Encode(byte[] interleaved, int width, int height, bool gray)
    {
        var lib = NativeLibrary.Load("libturbojpeg.so.0");
        var init = (delegate* unmanaged<IntPtr>)NativeLibrary.GetExport(lib, "tjInitCompress");
        var compress = (delegate* unmanaged<IntPtr, byte*, int, int, int, int, byte**, CULong*, int, int, int, int>)NativeLibrary.GetExport(lib, "tjCompress2");
        var free = (delegate* unmanaged<byte*, void>)NativeLibrary.GetExport(lib, "tjFree");
        var destroy = (delegate* unmanaged<IntPtr, int>)NativeLibrary.GetExport(lib, "tjDestroy");
        IntPtr handle = init();
        try
        {
            byte* jpeg = null;
            CULong size = default;
            int channels = gray ? 1 : 3;
            fixed (byte* src = interleaved)
            {
                // pixel formats: RGB 0, GRAY 6; subsampling: 4:4:4 0, GRAY 3
                int rc = compress(handle, src, width, width * channels, height, gray ? 6 : 0, &jpeg, &size, gray ? 3 : 0, 100, 0);
                if (rc != 0) throw new InvalidOperationException("tjCompress2 failed");
            }
            var result = new ReadOnlySpan<byte>(jpeg, (int)size.Value).ToArray();
            free(jpeg);
            return result;
        }
        finally { destroy(handle); }
    }
}

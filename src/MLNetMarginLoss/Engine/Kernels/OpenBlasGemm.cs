using System.Reflection;
using System.Runtime.InteropServices;

namespace MLNetMarginLoss.Engine.Kernels;

/// <summary>
/// <c>cblas_sgemm</c> from OpenBLAS, loaded at run time with <see cref="NativeLibrary.TryLoad(string, out IntPtr)"/>.
/// On Debian the library comes from the <c>libopenblas0-pthread</c> package.
/// </summary>
internal sealed unsafe class OpenBlasGemm : IGemm
{
    private static readonly string[] Candidates =
    [
        "libopenblas.so.0", "libopenblas.so", "libopenblasp.so.0",
        "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
        "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0",
        "libopenblas.dylib", "libopenblas.dll", "openblas",
    ];

    private static readonly Lazy<OpenBlasGemm?> Loaded = new(Load);

    private readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> _sgemm;
    private readonly delegate* unmanaged<int, void> _setThreads;

    private OpenBlasGemm(IntPtr sgemm, IntPtr setThreads, string path)
    {
        _sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)sgemm;
        _setThreads = (delegate* unmanaged<int, void>)setThreads;
        LibraryPath = path;
    }

    /// <summary>The file the library was loaded from.</summary>
    public string LibraryPath { get; }

    /// <inheritdoc />
    public string Name => "openblas";

    /// <summary>Whether OpenBLAS can be loaded on this machine.</summary>
    public static bool IsAvailable => Loaded.Value is not null;

    /// <summary>The loaded library, or null when it is not installed.</summary>
    public static OpenBlasGemm? TryGet() => Loaded.Value;

    /// <summary>Sets OpenBLAS's own thread count (it is process-wide).</summary>
    public void SetThreads(int threads)
    {
        if (_setThreads != null) _setThreads(Math.Max(1, threads));
    }

    private static OpenBlasGemm? Load()
    {
        foreach (var name in Candidates)
        {
            if (!NativeLibrary.TryLoad(name, Assembly.GetExecutingAssembly(), null, out var handle)
                && !NativeLibrary.TryLoad(name, out handle)) continue;
            if (!NativeLibrary.TryGetExport(handle, "cblas_sgemm", out var sgemm)) continue;
            NativeLibrary.TryGetExport(handle, "openblas_set_num_threads", out var setThreads);
            return new OpenBlasGemm(sgemm, setThreads, name);
        }
        return null;
    }

    private const int RowMajor = 101, NoTrans = 111, Trans = 112;

    /// <inheritdoc />
    public void Sgemm(bool transA, bool transB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc)
    {
        GemmArguments.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            for (int i = 0; i < m; i++)
            {
                var row = c.Slice(i * ldc, n);
                if (beta == 0) row.Clear(); else for (int j = 0; j < n; j++) row[j] *= beta;
            }
            return;
        }
        fixed (float* pa = a) fixed (float* pb = b) fixed (float* pc = c)
        {
            _sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k,
                alpha, pa, Math.Max(1, lda), pb, Math.Max(1, ldb), beta, pc, Math.Max(1, ldc));
        }
    }
}

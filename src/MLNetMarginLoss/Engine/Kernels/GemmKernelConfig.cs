using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MLNetMarginLoss.Engine.Kernels;

/// <summary>
/// A family of micro-kernels sharing one tile width (NR) and the cache-blocking sizes tuned for it:
/// the main tile height MR and smaller heights (e.g. 8, 4, 2, 1) for the last rows of a block.
/// </summary>
internal sealed unsafe class GemmKernelConfig
{
    private readonly delegate*<int, float*, float*, float*, int, float, float, void>[] _kernels;
    private readonly int[] _heights;

    private GemmKernelConfig(string name, bool supported, int nr, int kc, int mc, int nc,
        int[] heights, delegate*<int, float*, float*, float*, int, float, float, void>[] kernels)
    {
        Name = name; IsSupported = supported; NR = nr; KC = kc; MC = mc; NC = nc;
        _heights = heights; _kernels = kernels; MR = heights[0];
    }

    /// <summary>Short name, e.g. "avx512-14x32".</summary>
    public string Name { get; }
    /// <summary>Whether this CPU can run the kernels.</summary>
    public bool IsSupported { get; }
    /// <summary>Rows of the main register tile.</summary>
    public int MR { get; }
    /// <summary>Columns of every register tile.</summary>
    public int NR { get; }
    /// <summary>Depth of a packed block (k).</summary>
    public int KC { get; }
    /// <summary>Rows of a packed A block (a multiple of <see cref="MR"/>).</summary>
    public int MC { get; }
    /// <summary>Columns of a packed B block (a multiple of <see cref="NR"/>).</summary>
    public int NC { get; }

    /// <summary>Height of the A panel that starts with <paramref name="remainingRows"/> rows left: MR, or the largest smaller kernel height that fits.</summary>
    public int PanelHeight(int remainingRows)
    {
        var heights = _heights;
        for (int i = 0; i < heights.Length; i++)
            if (heights[i] <= remainingRows) return heights[i];
        return heights[^1];
    }

    /// <summary>The kernel for a panel of height <paramref name="height"/> (one of the heights <see cref="PanelHeight"/> returns).</summary>
    public delegate*<int, float*, float*, float*, int, float, float, void> KernelFor(int height)
    {
        var heights = _heights;
        for (int i = 0; i < heights.Length; i++)
            if (heights[i] == height) return _kernels[i];
        throw new ArgumentOutOfRangeException(nameof(height), $"No {Name} kernel of height {height}.");
    }

    /// <summary>AVX-512F + FMA: 14×32 tiles (28 zmm accumulators), with 8, 4, 2 and 1-row tiles for the edges.</summary>
    public static readonly GemmKernelConfig Avx512Tile14x32 = new("avx512-14x32",
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported, nr: 32, kc: 256, mc: 168, nc: 2048,
        [14, 8, 4, 2, 1],
        [&GemmMicroKernel.Avx512Kernel14x32, &GemmMicroKernel.Avx512Kernel8x32, &GemmMicroKernel.Avx512Kernel4x32,
         &GemmMicroKernel.Avx512Kernel2x32, &GemmMicroKernel.Avx512Kernel1x32]);

    /// <summary>AVX2 + FMA: 6×16 tiles (12 ymm accumulators), with 4, 2 and 1-row tiles for the edges.</summary>
    public static readonly GemmKernelConfig Avx2Tile6x16 = new("avx2-6x16",
        Avx2.IsSupported && Fma.IsSupported, nr: 16, kc: 256, mc: 120, nc: 2048,
        [6, 4, 2, 1],
        [&GemmMicroKernel.Avx2Kernel6x16, &GemmMicroKernel.Avx2Kernel4x16, &GemmMicroKernel.Avx2Kernel2x16,
         &GemmMicroKernel.Avx2Kernel1x16]);

    /// <summary>Portable 128-bit vectors: 4×8 tiles, with 2 and 1-row tiles for the edges.</summary>
    public static readonly GemmKernelConfig PortableTile4x8 = new("portable-4x8", true, nr: 8, kc: 256, mc: 96, nc: 2048,
        [4, 2, 1],
        [&GemmMicroKernel.PortableKernel4x8, &GemmMicroKernel.PortableKernel2x8, &GemmMicroKernel.PortableKernel1x8]);

    /// <summary>The fastest kernel family this CPU supports.</summary>
    public static GemmKernelConfig Best =>
        Avx512Tile14x32.IsSupported ? Avx512Tile14x32 : Avx2Tile6x16.IsSupported ? Avx2Tile6x16 : PortableTile4x8;
}

using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MLNetMarginLoss.Engine.Kernels;

/// <summary>A micro-kernel and the cache-blocking sizes tuned for it.</summary>
internal sealed unsafe class GemmKernelConfig
{
    private GemmKernelConfig(string name, bool supported, int mr, int nr, int kc, int mc, int nc,
        delegate*<int, float*, float*, float*, int, float, float, void> kernel)
    {
        Name = name; IsSupported = supported; MR = mr; NR = nr; KC = kc; MC = mc; NC = nc; Kernel = kernel;
    }

    /// <summary>Short name, e.g. "avx512-14x32".</summary>
    public string Name { get; }
    /// <summary>Whether this CPU can run the kernel.</summary>
    public bool IsSupported { get; }
    /// <summary>Rows of the register tile.</summary>
    public int MR { get; }
    /// <summary>Columns of the register tile.</summary>
    public int NR { get; }
    /// <summary>Depth of a packed block (k).</summary>
    public int KC { get; }
    /// <summary>Rows of a packed A block.</summary>
    public int MC { get; }
    /// <summary>Columns of a packed B block.</summary>
    public int NC { get; }
    /// <summary>The micro-kernel.</summary>
    public delegate*<int, float*, float*, float*, int, float, float, void> Kernel { get; }

    /// <summary>AVX-512F + FMA, 14×32 tile (28 zmm accumulators).</summary>
    public static readonly GemmKernelConfig Avx512Tile14x32 = new("avx512-14x32",
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported, 14, 32, 256, 168, 2048, &GemmMicroKernel.Avx512Kernel14x32);

    /// <summary>AVX2 + FMA, 6×16 tile (12 ymm accumulators).</summary>
    public static readonly GemmKernelConfig Avx2Tile6x16 = new("avx2-6x16",
        Avx2.IsSupported && Fma.IsSupported, 6, 16, 256, 120, 2048, &GemmMicroKernel.Avx2Kernel6x16);

    /// <summary>Portable 128-bit vectors, 4×8 tile.</summary>
    public static readonly GemmKernelConfig PortableTile4x8 = new("portable-4x8", true, 4, 8, 256, 96, 2048, &GemmMicroKernel.PortableKernel4x8);

    /// <summary>The fastest kernel this CPU supports.</summary>
    public static GemmKernelConfig Best => Avx512Tile14x32.IsSupported ? Avx512Tile14x32 : Avx2Tile6x16.IsSupported ? Avx2Tile6x16 : PortableTile4x8;
}

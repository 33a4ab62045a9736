using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MLNetMarginLoss.Engine.Kernels;

/// <summary>
/// Pure C# SGEMM with no native dependency, built like GotoBLAS/BLIS: blocks of op(B) (KC×NC) and op(A)
/// (MC×KC) are packed into aligned per-thread scratch buffers, and a register-blocked SIMD micro-kernel
/// (AVX-512 14×32, AVX2 6×16, or a portable 128-bit 4×8, with shorter tiles for the last rows) computes C tile by tile.
/// Large products are split over the <see cref="WorkerPool"/> into chunks that write disjoint rows or
/// columns of C; called from inside a pool chunk, a product runs whole on the calling thread. Concurrent calls
/// on one instance are safe (packing buffers are per thread, the parallel work item is taken atomically). Every element of C is accumulated in the same order whatever the split, so results are
/// bit-identical across repeated calls and thread counts on a given machine.
/// As in BLAS, alpha = 0 (or k = 0) only scales C by beta and does not read A or B.
/// Steady-state calls allocate nothing: the parallel work item is reused and the packing buffers are per thread.
/// </summary>
internal sealed unsafe class ManagedGemm : IGemm
{
    /// <summary>Products with fewer multiply-adds than this take the unpacked single-threaded path.</summary>
    internal const long SmallProductLimit = 32 * 1024;

    /// <summary>Products with fewer multiply-adds than this run on the calling thread only.</summary>
    internal const long ParallelProductLimit = 512 * 1024;

    private readonly WorkerPool _pool;
    private readonly GemmKernelConfig _config;
    private GemmWork? _idleWork;

    /// <summary>Creates a managed GEMM that parallelises over <paramref name="pool"/>, using the widest SIMD kernel the CPU supports.</summary>
    public ManagedGemm(WorkerPool pool) : this(pool, GemmKernelConfig.Best) { }

    /// <summary>Creates a managed GEMM with a specific micro-kernel (tests use this to cover every kernel).</summary>
    internal ManagedGemm(WorkerPool pool, GemmKernelConfig config)
    {
        ArgumentNullException.ThrowIfNull(pool);
        if (!config.IsSupported)
            throw new PlatformNotSupportedException($"The {config.Name} GEMM kernel is not supported by this CPU.");
        _pool = pool;
        _config = config;
    }

    /// <inheritdoc />
    public string Name => "managed";

    /// <summary>The micro-kernel in use, e.g. "avx512-14x32".</summary>
    public string KernelName => _config.Name;

    /// <inheritdoc />
    public void Sgemm(bool transA, bool transB, int m, int n, int k,
        float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc)
    {
        GemmArguments.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f)
        {
            ScaleC(m, n, beta, c, ldc);
            return;
        }
        long work = (long)m * n * k;
        if (work < SmallProductLimit)
        {
            SmallGemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }
        fixed (float* pa = a) fixed (float* pb = b) fixed (float* pc = c)
        {
            var cfg = _config;
            bool splitRows = m >= n;
            int units = splitRows ? (m + cfg.MR - 1) / cfg.MR : (n + cfg.NR - 1) / cfg.NR;
            // Inside a pool chunk (e.g. a convolution that splits its batch over the workers) the split would run
            // serially on this thread, so the whole product is computed as one block instead.
            int chunks = work < ParallelProductLimit || WorkerPool.IsInsideWork ? 1 : Math.Min(_pool.DegreeOfParallelism, units);
            if (chunks <= 1)
            {
                Blocked(cfg, transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, Scratch.ForCurrentThread());
                return;
            }
            var item = Interlocked.Exchange(ref _idleWork, null) ?? new GemmWork();
            item.Set(cfg, transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, splitRows, units);
            try
            {
                _pool.Run(item, chunks);
            }
            finally
            {
                item.Clear();
                _idleWork = item;
            }
        }
    }

    /// <summary>C = beta·C (beta = 0 clears, so NaN in C does not survive).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScaleC(int m, int n, float beta, Span<float> c, int ldc)
    {
        for (int i = 0; i < m; i++)
        {
            var row = c.Slice(i * ldc, n);
            if (beta == 0f) row.Clear();
            else if (beta != 1f) TensorPrimitives.Multiply(row, beta, row);
        }
    }

    /// <summary>Tiny products: row-by-row axpy (B not transposed) or dot products (B transposed), no packing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SmallGemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        ScaleC(m, n, beta, c, ldc);
        Span<float> column = transA && transB ? Scratch.ForCurrentThread().Column(k) : default;
        for (int i = 0; i < m; i++)
        {
            var crow = c.Slice(i * ldc, n);
            if (!transB)
            {
                for (int p = 0; p < k; p++)
                {
                    float av = alpha * (transA ? a[p * lda + i] : a[i * lda + p]);
                    TensorPrimitives.MultiplyAdd(b.Slice(p * ldb, n), av, crow, crow);
                }
            }
            else
            {
                ReadOnlySpan<float> arow;
                if (transA)
                {
                    for (int p = 0; p < k; p++) column[p] = a[p * lda + i];
                    arow = column;
                }
                else arow = a.Slice(i * lda, k);
                for (int j = 0; j < n; j++) crow[j] += alpha * TensorPrimitives.Dot(arow, b.Slice(j * ldb, k));
            }
        }
    }

    /// <summary>
    /// The blocked algorithm on one sub-problem: <paramref name="a"/> points at op(A)[0,0], <paramref name="b"/>
    /// at op(B)[0,0] and <paramref name="c"/> at C[0,0] of the sub-problem.
    /// Loop order jc (NC) → pc (KC, pack B) → ic (MC, pack A) → jr (NR) → ir (MR) → micro-kernel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Blocked(GemmKernelConfig cfg, bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, Scratch scratch)
    {
        int mr = cfg.MR, nr = cfg.NR;
        int kc = Balanced(k, cfg.KC, 1);
        int mc = Balanced(m, cfg.MC, mr);
        int nc = Balanced(n, cfg.NC, nr);
        scratch.Ensure(mc * kc, nc * kc, mr * nr);
        float* packA = scratch.A, packB = scratch.B, tile = scratch.Tile;
        var mainKernel = cfg.KernelFor(mr);

        for (int jc = 0; jc < n; jc += nc)
        {
            int ncCur = Math.Min(nc, n - jc);
            for (int pc = 0; pc < k; pc += kc)
            {
                int kcCur = Math.Min(kc, k - pc);
                float* bBlock = transB ? b + (nint)jc * ldb + pc : b + (nint)pc * ldb + jc;
                GemmPacking.PackB(transB, bBlock, ldb, kcCur, ncCur, nr, packB);
                float betaCur = pc == 0 ? beta : 1f;
                for (int ic = 0; ic < m; ic += mc)
                {
                    int mcCur = Math.Min(mc, m - ic);
                    float* aBlock = transA ? a + (nint)pc * lda + ic : a + (nint)ic * lda + pc;
                    GemmPacking.PackA(transA, aBlock, lda, mcCur, kcCur, cfg, packA);
                    for (int jr = 0; jr < ncCur; jr += nr)
                    {
                        int w = Math.Min(nr, ncCur - jr);
                        float* bPanel = packB + (nint)jr * kcCur;
                        for (int ir = 0, h; ir < mcCur; ir += h)
                        {
                            h = cfg.PanelHeight(mcCur - ir);
                            var kernel = h == mr ? mainKernel : cfg.KernelFor(h);
                            float* aPanel = packA + (nint)ir * kcCur;
                            float* cTile = c + (nint)(ic + ir) * ldc + jc + jr;
                            if (w == nr)
                            {
                                kernel(kcCur, aPanel, bPanel, cTile, ldc, alpha, betaCur);
                            }
                            else
                            {
                                // Last columns: run the same kernel on a full-width copy, then copy the valid part back.
                                if (betaCur != 0f) CopyTile(cTile, ldc, tile, nr, h, w);
                                kernel(kcCur, aPanel, bPanel, tile, nr, alpha, betaCur);
                                CopyTile(tile, nr, cTile, ldc, h, w);
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>Splits <paramref name="total"/> into equal blocks of at most about <paramref name="max"/>, rounded up to a multiple of <paramref name="multiple"/>.</summary>
    private static int Balanced(int total, int max, int multiple)
    {
        int blocks = (total + max - 1) / max;
        int size = (total + blocks - 1) / blocks;
        return (size + multiple - 1) / multiple * multiple;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]
    private static void CopyTile(float* src, int lds, float* dst, int ldd, int rows, int cols)
    {
        for (int i = 0; i < rows; i++)
            Unsafe.CopyBlockUnaligned(dst + (nint)i * ldd, src + (nint)i * lds, (uint)(cols * sizeof(float)));
    }

    /// <summary>One parallel GEMM: chunk i computes a contiguous range of MR-row (or NR-column) panels of C.</summary>
    private sealed class GemmWork : IParallelWork
    {
        private GemmKernelConfig _cfg = null!;
        private bool _transA, _transB, _splitRows;
        private int _m, _n, _k, _lda, _ldb, _ldc, _units;
        private float _alpha, _beta;
        private float* _a, _b, _c;

        public void Set(GemmKernelConfig cfg, bool transA, bool transB, int m, int n, int k, float alpha,
            float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, bool splitRows, int units)
        {
            _cfg = cfg; _transA = transA; _transB = transB; _m = m; _n = n; _k = k; _alpha = alpha;
            _a = a; _lda = lda; _b = b; _ldb = ldb; _beta = beta; _c = c; _ldc = ldc; _splitRows = splitRows; _units = units;
        }

        public void Clear() { _a = _b = _c = null; }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Execute(int chunk, int chunkCount)
        {
            int u0 = (int)((long)_units * chunk / chunkCount);
            int u1 = (int)((long)_units * (chunk + 1) / chunkCount);
            if (u0 == u1) return;
            var scratch = Scratch.ForCurrentThread();
            if (_splitRows)
            {
                int r0 = u0 * _cfg.MR, r1 = Math.Min(_m, u1 * _cfg.MR);
                float* a = _transA ? _a + r0 : _a + (nint)r0 * _lda;
                Blocked(_cfg, _transA, _transB, r1 - r0, _n, _k, _alpha, a, _lda, _b, _ldb, _beta, _c + (nint)r0 * _ldc, _ldc, scratch);
            }
            else
            {
                int c0 = u0 * _cfg.NR, c1 = Math.Min(_n, u1 * _cfg.NR);
                float* b = _transB ? _b + (nint)c0 * _ldb : _b + c0;
                Blocked(_cfg, _transA, _transB, _m, c1 - c0, _k, _alpha, _a, _lda, b, _ldb, _beta, _c + c0, _ldc, scratch);
            }
        }
    }

    /// <summary>Per-thread packing buffers: pinned, 64-byte aligned, grown on demand and then reused.</summary>
    private sealed class Scratch
    {
        [ThreadStatic] private static Scratch? t_current;

        private float[]? _a, _b, _tile, _column;

        public float* A { get; private set; }
        public float* B { get; private set; }
        public float* Tile { get; private set; }

        public static Scratch ForCurrentThread() => t_current ??= new Scratch();

        public void Ensure(int aFloats, int bFloats, int tileFloats)
        {
            if (_a is null || _a.Length < aFloats + 16) A = Allocate(ref _a, aFloats);
            if (_b is null || _b.Length < bFloats + 16) B = Allocate(ref _b, bFloats);
            if (_tile is null || _tile.Length < tileFloats + 16) Tile = Allocate(ref _tile, tileFloats);
        }

        public Span<float> Column(int length)
        {
            if (_column is null || _column.Length < length) _column = new float[length];
            return _column.AsSpan(0, length);
        }

        private static float* Allocate(ref float[]? array, int floats)
        {
            array = GC.AllocateUninitializedArray<float>(floats + 16, pinned: true);
            nint address = (nint)Unsafe.AsPointer(ref array[0]);
            return (float*)((address + 63) & ~(nint)63);
        }
    }
}

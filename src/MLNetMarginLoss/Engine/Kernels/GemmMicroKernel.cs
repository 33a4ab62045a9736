// The register-blocked kernels are written out in full (one named accumulator per register): the JIT keeps
// named vector locals in registers, whereas an array of vectors would live in memory. Each family has a main
// tile height and smaller heights for the last rows of a block, so no rows are computed in vain.
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MLNetMarginLoss.Engine.Kernels;

/// <summary>
/// Register-blocked GEMM micro-kernels. A kernel of height MR and width NR computes one MR×NR tile of C from
/// packed panels: A as MR floats per k step, B as NR floats per k step (64-byte aligned), and stores
/// C = alpha·acc + beta·C (beta = 0 ignores C's previous contents). Every element is accumulated with one
/// fused multiply-add per k step, in ascending k, whatever the tile height, so a result never depends on
/// how the work was split across threads.
/// </summary>
internal static unsafe class GemmMicroKernel
{
    /// <summary>AVX-512F + FMA micro-kernel: a 14×32 tile of C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx512Kernel14x32(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
    {
        Vector512<float> c0_0 = default, c0_1 = default;
        Vector512<float> c1_0 = default, c1_1 = default;
        Vector512<float> c2_0 = default, c2_1 = default;
        Vector512<float> c3_0 = default, c3_1 = default;
        Vector512<float> c4_0 = default, c4_1 = default;
        Vector512<float> c5_0 = default, c5_1 = default;
        Vector512<float> c6_0 = default, c6_1 = default;
        Vector512<float> c7_0 = default, c7_1 = default;
        Vector512<float> c8_0 = default, c8_1 = default;
        Vector512<float> c9_0 = default, c9_1 = default;
        Vector512<float> c10_0 = default, c10_1 = default;
        Vector512<float> c11_0 = default, c11_1 = default;
        Vector512<float> c12_0 = default, c12_1 = default;
        Vector512<float> c13_0 = default, c13_1 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Avx512F.LoadAlignedVector512(b + 0);
            var b1 = Avx512F.LoadAlignedVector512(b + 16);
            var a0 = Vector512.Create(a[0]);
            c0_0 = Avx512F.FusedMultiplyAdd(a0, b0, c0_0);
            c0_1 = Avx512F.FusedMultiplyAdd(a0, b1, c0_1);
            var a1 = Vector512.Create(a[1]);
            c1_0 = Avx512F.FusedMultiplyAdd(a1, b0, c1_0);
            c1_1 = Avx512F.FusedMultiplyAdd(a1, b1, c1_1);
            var a2 = Vector512.Create(a[2]);
            c2_0 = Avx512F.FusedMultiplyAdd(a2, b0, c2_0);
            c2_1 = Avx512F.FusedMultiplyAdd(a2, b1, c2_1);
            var a3 = Vector512.Create(a[3]);
            c3_0 = Avx512F.FusedMultiplyAdd(a3, b0, c3_0);
            c3_1 = Avx512F.FusedMultiplyAdd(a3, b1, c3_1);
            var a4 = Vector512.Create(a[4]);
            c4_0 = Avx512F.FusedMultiplyAdd(a4, b0, c4_0);
            c4_1 = Avx512F.FusedMultiplyAdd(a4, b1, c4_1);
            var a5 = Vector512.Create(a[5]);
            c5_0 = Avx512F.FusedMultiplyAdd(a5, b0, c5_0);
            c5_1 = Avx512F.FusedMultiplyAdd(a5, b1, c5_1);
            var a6 = Vector512.Create(a[6]);
            c6_0 = Avx512F.FusedMultiplyAdd(a6, b0, c6_0);
            c6_1 = Avx512F.FusedMultiplyAdd(a6, b1, c6_1);
            var a7 = Vector512.Create(a[7]);
            c7_0 = Avx512F.FusedMultiplyAdd(a7, b0, c7_0);
            c7_1 = Avx512F.FusedMultiplyAdd(a7, b1, c7_1);
            var a8 = Vector512.Create(a[8]);
            c8_0 = Avx512F.FusedMultiplyAdd(a8, b0, c8_0);
            c8_1 = Avx512F.FusedMultiplyAdd(a8, b1, c8_1);
            var a9 = Vector512.Create(a[9]);
            c9_0 = Avx512F.FusedMultiplyAdd(a9, b0, c9_0);
            c9_1 = Avx512F.FusedMultiplyAdd(a9, b1, c9_1);
            var a10 = Vector512.Create(a[10]);
            c10_0 = Avx512F.FusedMultiplyAdd(a10, b0, c10_0);
            c10_1 = Avx512F.FusedMultiplyAdd(a10, b1, c10_1);
            var a11 = Vector512.Create(a[11]);
            c11_0 = Avx512F.FusedMultiplyAdd(a11, b0, c11_0);
            c11_1 = Avx512F.FusedMultiplyAdd(a11, b1, c11_1);
            var a12 = Vector512.Create(a[12]);
            c12_0 = Avx512F.FusedMultiplyAdd(a12, b0, c12_0);
            c12_1 = Avx512F.FusedMultiplyAdd(a12, b1, c12_1);
            var a13 = Vector512.Create(a[13]);
            c13_0 = Avx512F.FusedMultiplyAdd(a13, b0, c13_0);
            c13_1 = Avx512F.FusedMultiplyAdd(a13, b1, c13_1);
            a += 14;
            b += 32;
        }
        var va = Vector512.Create(alpha);
        if (beta == 0f)
        {
            Vector512.Store(c0_0 * va, c + 0 * ldc + 0);
            Vector512.Store(c0_1 * va, c + 0 * ldc + 16);
            Vector512.Store(c1_0 * va, c + 1 * ldc + 0);
            Vector512.Store(c1_1 * va, c + 1 * ldc + 16);
            Vector512.Store(c2_0 * va, c + 2 * ldc + 0);
            Vector512.Store(c2_1 * va, c + 2 * ldc + 16);
            Vector512.Store(c3_0 * va, c + 3 * ldc + 0);
            Vector512.Store(c3_1 * va, c + 3 * ldc + 16);
            Vector512.Store(c4_0 * va, c + 4 * ldc + 0);
            Vector512.Store(c4_1 * va, c + 4 * ldc + 16);
            Vector512.Store(c5_0 * va, c + 5 * ldc + 0);
            Vector512.Store(c5_1 * va, c + 5 * ldc + 16);
            Vector512.Store(c6_0 * va, c + 6 * ldc + 0);
            Vector512.Store(c6_1 * va, c + 6 * ldc + 16);
            Vector512.Store(c7_0 * va, c + 7 * ldc + 0);
            Vector512.Store(c7_1 * va, c + 7 * ldc + 16);
            Vector512.Store(c8_0 * va, c + 8 * ldc + 0);
            Vector512.Store(c8_1 * va, c + 8 * ldc + 16);
            Vector512.Store(c9_0 * va, c + 9 * ldc + 0);
            Vector512.Store(c9_1 * va, c + 9 * ldc + 16);
            Vector512.Store(c10_0 * va, c + 10 * ldc + 0);
            Vector512.Store(c10_1 * va, c + 10 * ldc + 16);
            Vector512.Store(c11_0 * va, c + 11 * ldc + 0);
            Vector512.Store(c11_1 * va, c + 11 * ldc + 16);
            Vector512.Store(c12_0 * va, c + 12 * ldc + 0);
            Vector512.Store(c12_1 * va, c + 12 * ldc + 16);
            Vector512.Store(c13_0 * va, c + 13 * ldc + 0);
            Vector512.Store(c13_1 * va, c + 13 * ldc + 16);
        }
        else
        {
            var vb = Vector512.Create(beta);
            { float* q = c + 0 * ldc + 0; Vector512.Store(Avx512F.FusedMultiplyAdd(c0_0, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 0 * ldc + 16; Vector512.Store(Avx512F.FusedMultiplyAdd(c0_1, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 1 * ldc + 0; Vector512.Store(Avx512F.FusedMultiplyAdd(c1_0, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 1 * ldc + 16; Vector512.Store(Avx512F.FusedMultiplyAdd(c1_1, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 2 * ldc + 0; Vector512.Store(Avx512F.FusedMultiplyAdd(c2_0, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 2 * ldc + 16; Vector512.Store(Avx512F.FusedMultiplyAdd(c2_1, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 3 * ldc + 0; Vector512.Store(Avx512F.FusedMultiplyAdd(c3_0, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 3 * ldc + 16; Vector512.Store(Avx512F.FusedMultiplyAdd(c3_1, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 4 * ldc + 0; Vector512.Store(Avx512F.FusedMultiplyAdd(c4_0, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 4 * ldc + 16; Vector512.Store(Avx512F.FusedMultiplyAdd(c4_1, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 5 * ldc + 0; Vector512.Store(Avx512F.FusedMultiplyAdd(c5_0, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 5 * ldc + 16; Vector512.Store(Avx512F.FusedMultiplyAdd(c5_1, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 6 * ldc + 0; Vector512.Store(Avx512F.FusedMultiplyAdd(c6_0, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 6 * ldc + 16; Vector512.Store(Avx512F.FusedMultiplyAdd(c6_1, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 7 * ldc + 0; Vector512.Store(Avx512F.FusedMultiplyAdd(c7_0, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 7 * ldc + 16; Vector512.Store(Avx512F.FusedMultiplyAdd(c7_1, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 8 * ldc + 0; Vector512.Store(Avx512F.FusedMultiplyAdd(c8_0, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 8 * ldc + 16; Vector512.Store(Avx512F.FusedMultiplyAdd(c8_1, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 9 * ldc + 0; Vector512.Store(Avx512F.FusedMultiplyAdd(c9_0, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 9 * ldc + 16; Vector512.Store(Avx512F.FusedMultiplyAdd(c9_1, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 10 * ldc + 0; Vector512.Store(Avx512F.FusedMultiplyAdd(c10_0, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 10 * ldc + 16; Vector512.Store(Avx512F.FusedMultiplyAdd(c10_1, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 11 * ldc + 0; Vector512.Store(Avx512F.FusedMultiplyAdd(c11_0, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 11 * ldc + 16; Vector512.Store(Avx512F.FusedMultiplyAdd(c11_1, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 12 * ldc + 0; Vector512.Store(Avx512F.FusedMultiplyAdd(c12_0, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 12 * ldc + 16; Vector512.Store(Avx512F.FusedMultiplyAdd(c12_1, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 13 * ldc + 0; Vector512.Store(Avx512F.FusedMultiplyAdd(c13_0, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 13 * ldc + 16; Vector512.Store(Avx512F.FusedMultiplyAdd(c13_1, va, Vector512.Load(q) * vb), q); }
        }
    }

    /// <summary>AVX-512F + FMA micro-kernel: a 8×32 tile of C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx512Kernel8x32(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
    {
        Vector512<float> c0_0 = default, c0_1 = default;
        Vector512<float> c1_0 = default, c1_1 = default;
        Vector512<float> c2_0 = default, c2_1 = default;
        Vector512<float> c3_0 = default, c3_1 = default;
        Vector512<float> c4_0 = default, c4_1 = default;
        Vector512<float> c5_0 = default, c5_1 = default;
        Vector512<float> c6_0 = default, c6_1 = default;
        Vector512<float> c7_0 = default, c7_1 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Avx512F.LoadAlignedVector512(b + 0);
            var b1 = Avx512F.LoadAlignedVector512(b + 16);
            var a0 = Vector512.Create(a[0]);
            c0_0 = Avx512F.FusedMultiplyAdd(a0, b0, c0_0);
            c0_1 = Avx512F.FusedMultiplyAdd(a0, b1, c0_1);
            var a1 = Vector512.Create(a[1]);
            c1_0 = Avx512F.FusedMultiplyAdd(a1, b0, c1_0);
            c1_1 = Avx512F.FusedMultiplyAdd(a1, b1, c1_1);
            var a2 = Vector512.Create(a[2]);
            c2_0 = Avx512F.FusedMultiplyAdd(a2, b0, c2_0);
            c2_1 = Avx512F.FusedMultiplyAdd(a2, b1, c2_1);
            var a3 = Vector512.Create(a[3]);
            c3_0 = Avx512F.FusedMultiplyAdd(a3, b0, c3_0);
            c3_1 = Avx512F.FusedMultiplyAdd(a3, b1, c3_1);
            var a4 = Vector512.Create(a[4]);
            c4_0 = Avx512F.FusedMultiplyAdd(a4, b0, c4_0);
            c4_1 = Avx512F.FusedMultiplyAdd(a4, b1, c4_1);
            var a5 = Vector512.Create(a[5]);
            c5_0 = Avx512F.FusedMultiplyAdd(a5, b0, c5_0);
            c5_1 = Avx512F.FusedMultiplyAdd(a5, b1, c5_1);
            var a6 = Vector512.Create(a[6]);
            c6_0 = Avx512F.FusedMultiplyAdd(a6, b0, c6_0);
            c6_1 = Avx512F.FusedMultiplyAdd(a6, b1, c6_1);
            var a7 = Vector512.Create(a[7]);
            c7_0 = Avx512F.FusedMultiplyAdd(a7, b0, c7_0);
            c7_1 = Avx512F.FusedMultiplyAdd(a7, b1, c7_1);
            a += 8;
            b += 32;
        }
        var va = Vector512.Create(alpha);
        if (beta == 0f)
        {
            Vector512.Store(c0_0 * va, c + 0 * ldc + 0);
            Vector512.Store(c0_1 * va, c + 0 * ldc + 16);
            Vector512.Store(c1_0 * va, c + 1 * ldc + 0);
            Vector512.Store(c1_1 * va, c + 1 * ldc + 16);
            Vector512.Store(c2_0 * va, c + 2 * ldc + 0);
            Vector512.Store(c2_1 * va, c + 2 * ldc + 16);
            Vector512.Store(c3_0 * va, c + 3 * ldc + 0);
            Vector512.Store(c3_1 * va, c + 3 * ldc + 16);
            Vector512.Store(c4_0 * va, c + 4 * ldc + 0);
            Vector512.Store(c4_1 * va, c + 4 * ldc + 16);
            Vector512.Store(c5_0 * va, c + 5 * ldc + 0);
            Vector512.Store(c5_1 * va, c + 5 * ldc + 16);
            Vector512.Store(c6_0 * va, c + 6 * ldc + 0);
            Vector512.Store(c6_1 * va, c + 6 * ldc + 16);
            Vector512.Store(c7_0 * va, c + 7 * ldc + 0);
            Vector512.Store(c7_1 * va, c + 7 * ldc + 16);
        }
        else
        {
            var vb = Vector512.Create(beta);
            { float* q = c + 0 * ldc + 0; Vector512.Store(Avx512F.FusedMultiplyAdd(c0_0, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 0 * ldc + 16; Vector512.Store(Avx512F.FusedMultiplyAdd(c0_1, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 1 * ldc + 0; Vector512.Store(Avx512F.FusedMultiplyAdd(c1_0, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 1 * ldc + 16; Vector512.Store(Avx512F.FusedMultiplyAdd(c1_1, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 2 * ldc + 0; Vector512.Store(Avx512F.FusedMultiplyAdd(c2_0, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 2 * ldc + 16; Vector512.Store(Avx512F.FusedMultiplyAdd(c2_1, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 3 * ldc + 0; Vector512.Store(Avx512F.FusedMultiplyAdd(c3_0, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 3 * ldc + 16; Vector512.Store(Avx512F.FusedMultiplyAdd(c3_1, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 4 * ldc + 0; Vector512.Store(Avx512F.FusedMultiplyAdd(c4_0, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 4 * ldc + 16; Vector512.Store(Avx512F.FusedMultiplyAdd(c4_1, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 5 * ldc + 0; Vector512.Store(Avx512F.FusedMultiplyAdd(c5_0, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 5 * ldc + 16; Vector512.Store(Avx512F.FusedMultiplyAdd(c5_1, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 6 * ldc + 0; Vector512.Store(Avx512F.FusedMultiplyAdd(c6_0, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 6 * ldc + 16; Vector512.Store(Avx512F.FusedMultiplyAdd(c6_1, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 7 * ldc + 0; Vector512.Store(Avx512F.FusedMultiplyAdd(c7_0, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 7 * ldc + 16; Vector512.Store(Avx512F.FusedMultiplyAdd(c7_1, va, Vector512.Load(q) * vb), q); }
        }
    }

    /// <summary>AVX-512F + FMA micro-kernel: a 4×32 tile of C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx512Kernel4x32(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
    {
        Vector512<float> c0_0 = default, c0_1 = default;
        Vector512<float> c1_0 = default, c1_1 = default;
        Vector512<float> c2_0 = default, c2_1 = default;
        Vector512<float> c3_0 = default, c3_1 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Avx512F.LoadAlignedVector512(b + 0);
            var b1 = Avx512F.LoadAlignedVector512(b + 16);
            var a0 = Vector512.Create(a[0]);
            c0_0 = Avx512F.FusedMultiplyAdd(a0, b0, c0_0);
            c0_1 = Avx512F.FusedMultiplyAdd(a0, b1, c0_1);
            var a1 = Vector512.Create(a[1]);
            c1_0 = Avx512F.FusedMultiplyAdd(a1, b0, c1_0);
            c1_1 = Avx512F.FusedMultiplyAdd(a1, b1, c1_1);
            var a2 = Vector512.Create(a[2]);
            c2_0 = Avx512F.FusedMultiplyAdd(a2, b0, c2_0);
            c2_1 = Avx512F.FusedMultiplyAdd(a2, b1, c2_1);
            var a3 = Vector512.Create(a[3]);
            c3_0 = Avx512F.FusedMultiplyAdd(a3, b0, c3_0);
            c3_1 = Avx512F.FusedMultiplyAdd(a3, b1, c3_1);
            a += 4;
            b += 32;
        }
        var va = Vector512.Create(alpha);
        if (beta == 0f)
        {
            Vector512.Store(c0_0 * va, c + 0 * ldc + 0);
            Vector512.Store(c0_1 * va, c + 0 * ldc + 16);
            Vector512.Store(c1_0 * va, c + 1 * ldc + 0);
            Vector512.Store(c1_1 * va, c + 1 * ldc + 16);
            Vector512.Store(c2_0 * va, c + 2 * ldc + 0);
            Vector512.Store(c2_1 * va, c + 2 * ldc + 16);
            Vector512.Store(c3_0 * va, c + 3 * ldc + 0);
            Vector512.Store(c3_1 * va, c + 3 * ldc + 16);
        }
        else
        {
            var vb = Vector512.Create(beta);
            { float* q = c + 0 * ldc + 0; Vector512.Store(Avx512F.FusedMultiplyAdd(c0_0, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 0 * ldc + 16; Vector512.Store(Avx512F.FusedMultiplyAdd(c0_1, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 1 * ldc + 0; Vector512.Store(Avx512F.FusedMultiplyAdd(c1_0, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 1 * ldc + 16; Vector512.Store(Avx512F.FusedMultiplyAdd(c1_1, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 2 * ldc + 0; Vector512.Store(Avx512F.FusedMultiplyAdd(c2_0, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 2 * ldc + 16; Vector512.Store(Avx512F.FusedMultiplyAdd(c2_1, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 3 * ldc + 0; Vector512.Store(Avx512F.FusedMultiplyAdd(c3_0, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 3 * ldc + 16; Vector512.Store(Avx512F.FusedMultiplyAdd(c3_1, va, Vector512.Load(q) * vb), q); }
        }
    }

    /// <summary>AVX-512F + FMA micro-kernel: a 2×32 tile of C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx512Kernel2x32(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
    {
        Vector512<float> c0_0 = default, c0_1 = default;
        Vector512<float> c1_0 = default, c1_1 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Avx512F.LoadAlignedVector512(b + 0);
            var b1 = Avx512F.LoadAlignedVector512(b + 16);
            var a0 = Vector512.Create(a[0]);
            c0_0 = Avx512F.FusedMultiplyAdd(a0, b0, c0_0);
            c0_1 = Avx512F.FusedMultiplyAdd(a0, b1, c0_1);
            var a1 = Vector512.Create(a[1]);
            c1_0 = Avx512F.FusedMultiplyAdd(a1, b0, c1_0);
            c1_1 = Avx512F.FusedMultiplyAdd(a1, b1, c1_1);
            a += 2;
            b += 32;
        }
        var va = Vector512.Create(alpha);
        if (beta == 0f)
        {
            Vector512.Store(c0_0 * va, c + 0 * ldc + 0);
            Vector512.Store(c0_1 * va, c + 0 * ldc + 16);
            Vector512.Store(c1_0 * va, c + 1 * ldc + 0);
            Vector512.Store(c1_1 * va, c + 1 * ldc + 16);
        }
        else
        {
            var vb = Vector512.Create(beta);
            { float* q = c + 0 * ldc + 0; Vector512.Store(Avx512F.FusedMultiplyAdd(c0_0, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 0 * ldc + 16; Vector512.Store(Avx512F.FusedMultiplyAdd(c0_1, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 1 * ldc + 0; Vector512.Store(Avx512F.FusedMultiplyAdd(c1_0, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 1 * ldc + 16; Vector512.Store(Avx512F.FusedMultiplyAdd(c1_1, va, Vector512.Load(q) * vb), q); }
        }
    }

    /// <summary>AVX-512F + FMA micro-kernel: a 1×32 tile of C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx512Kernel1x32(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
    {
        Vector512<float> c0_0 = default, c0_1 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Avx512F.LoadAlignedVector512(b + 0);
            var b1 = Avx512F.LoadAlignedVector512(b + 16);
            var a0 = Vector512.Create(a[0]);
            c0_0 = Avx512F.FusedMultiplyAdd(a0, b0, c0_0);
            c0_1 = Avx512F.FusedMultiplyAdd(a0, b1, c0_1);
            a += 1;
            b += 32;
        }
        var va = Vector512.Create(alpha);
        if (beta == 0f)
        {
            Vector512.Store(c0_0 * va, c + 0 * ldc + 0);
            Vector512.Store(c0_1 * va, c + 0 * ldc + 16);
        }
        else
        {
            var vb = Vector512.Create(beta);
            { float* q = c + 0 * ldc + 0; Vector512.Store(Avx512F.FusedMultiplyAdd(c0_0, va, Vector512.Load(q) * vb), q); }
            { float* q = c + 0 * ldc + 16; Vector512.Store(Avx512F.FusedMultiplyAdd(c0_1, va, Vector512.Load(q) * vb), q); }
        }
    }

    /// <summary>AVX2 + FMA micro-kernel: a 6×16 tile of C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx2Kernel6x16(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
    {
        Vector256<float> c0_0 = default, c0_1 = default;
        Vector256<float> c1_0 = default, c1_1 = default;
        Vector256<float> c2_0 = default, c2_1 = default;
        Vector256<float> c3_0 = default, c3_1 = default;
        Vector256<float> c4_0 = default, c4_1 = default;
        Vector256<float> c5_0 = default, c5_1 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Avx.LoadAlignedVector256(b + 0);
            var b1 = Avx.LoadAlignedVector256(b + 8);
            var a0 = Vector256.Create(a[0]);
            c0_0 = Fma.MultiplyAdd(a0, b0, c0_0);
            c0_1 = Fma.MultiplyAdd(a0, b1, c0_1);
            var a1 = Vector256.Create(a[1]);
            c1_0 = Fma.MultiplyAdd(a1, b0, c1_0);
            c1_1 = Fma.MultiplyAdd(a1, b1, c1_1);
            var a2 = Vector256.Create(a[2]);
            c2_0 = Fma.MultiplyAdd(a2, b0, c2_0);
            c2_1 = Fma.MultiplyAdd(a2, b1, c2_1);
            var a3 = Vector256.Create(a[3]);
            c3_0 = Fma.MultiplyAdd(a3, b0, c3_0);
            c3_1 = Fma.MultiplyAdd(a3, b1, c3_1);
            var a4 = Vector256.Create(a[4]);
            c4_0 = Fma.MultiplyAdd(a4, b0, c4_0);
            c4_1 = Fma.MultiplyAdd(a4, b1, c4_1);
            var a5 = Vector256.Create(a[5]);
            c5_0 = Fma.MultiplyAdd(a5, b0, c5_0);
            c5_1 = Fma.MultiplyAdd(a5, b1, c5_1);
            a += 6;
            b += 16;
        }
        var va = Vector256.Create(alpha);
        if (beta == 0f)
        {
            Vector256.Store(c0_0 * va, c + 0 * ldc + 0);
            Vector256.Store(c0_1 * va, c + 0 * ldc + 8);
            Vector256.Store(c1_0 * va, c + 1 * ldc + 0);
            Vector256.Store(c1_1 * va, c + 1 * ldc + 8);
            Vector256.Store(c2_0 * va, c + 2 * ldc + 0);
            Vector256.Store(c2_1 * va, c + 2 * ldc + 8);
            Vector256.Store(c3_0 * va, c + 3 * ldc + 0);
            Vector256.Store(c3_1 * va, c + 3 * ldc + 8);
            Vector256.Store(c4_0 * va, c + 4 * ldc + 0);
            Vector256.Store(c4_1 * va, c + 4 * ldc + 8);
            Vector256.Store(c5_0 * va, c + 5 * ldc + 0);
            Vector256.Store(c5_1 * va, c + 5 * ldc + 8);
        }
        else
        {
            var vb = Vector256.Create(beta);
            { float* q = c + 0 * ldc + 0; Vector256.Store(Fma.MultiplyAdd(c0_0, va, Vector256.Load(q) * vb), q); }
            { float* q = c + 0 * ldc + 8; Vector256.Store(Fma.MultiplyAdd(c0_1, va, Vector256.Load(q) * vb), q); }
            { float* q = c + 1 * ldc + 0; Vector256.Store(Fma.MultiplyAdd(c1_0, va, Vector256.Load(q) * vb), q); }
            { float* q = c + 1 * ldc + 8; Vector256.Store(Fma.MultiplyAdd(c1_1, va, Vector256.Load(q) * vb), q); }
            { float* q = c + 2 * ldc + 0; Vector256.Store(Fma.MultiplyAdd(c2_0, va, Vector256.Load(q) * vb), q); }
            { float* q = c + 2 * ldc + 8; Vector256.Store(Fma.MultiplyAdd(c2_1, va, Vector256.Load(q) * vb), q); }
            { float* q = c + 3 * ldc + 0; Vector256.Store(Fma.MultiplyAdd(c3_0, va, Vector256.Load(q) * vb), q); }
            { float* q = c + 3 * ldc + 8; Vector256.Store(Fma.MultiplyAdd(c3_1, va, Vector256.Load(q) * vb), q); }
            { float* q = c + 4 * ldc + 0; Vector256.Store(Fma.MultiplyAdd(c4_0, va, Vector256.Load(q) * vb), q); }
            { float* q = c + 4 * ldc + 8; Vector256.Store(Fma.MultiplyAdd(c4_1, va, Vector256.Load(q) * vb), q); }
            { float* q = c + 5 * ldc + 0; Vector256.Store(Fma.MultiplyAdd(c5_0, va, Vector256.Load(q) * vb), q); }
            { float* q = c + 5 * ldc + 8; Vector256.Store(Fma.MultiplyAdd(c5_1, va, Vector256.Load(q) * vb), q); }
        }
    }

    /// <summary>AVX2 + FMA micro-kernel: a 4×16 tile of C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx2Kernel4x16(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
    {
        Vector256<float> c0_0 = default, c0_1 = default;
        Vector256<float> c1_0 = default, c1_1 = default;
        Vector256<float> c2_0 = default, c2_1 = default;
        Vector256<float> c3_0 = default, c3_1 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Avx.LoadAlignedVector256(b + 0);
            var b1 = Avx.LoadAlignedVector256(b + 8);
            var a0 = Vector256.Create(a[0]);
            c0_0 = Fma.MultiplyAdd(a0, b0, c0_0);
            c0_1 = Fma.MultiplyAdd(a0, b1, c0_1);
            var a1 = Vector256.Create(a[1]);
            c1_0 = Fma.MultiplyAdd(a1, b0, c1_0);
            c1_1 = Fma.MultiplyAdd(a1, b1, c1_1);
            var a2 = Vector256.Create(a[2]);
            c2_0 = Fma.MultiplyAdd(a2, b0, c2_0);
            c2_1 = Fma.MultiplyAdd(a2, b1, c2_1);
            var a3 = Vector256.Create(a[3]);
            c3_0 = Fma.MultiplyAdd(a3, b0, c3_0);
            c3_1 = Fma.MultiplyAdd(a3, b1, c3_1);
            a += 4;
            b += 16;
        }
        var va = Vector256.Create(alpha);
        if (beta == 0f)
        {
            Vector256.Store(c0_0 * va, c + 0 * ldc + 0);
            Vector256.Store(c0_1 * va, c + 0 * ldc + 8);
            Vector256.Store(c1_0 * va, c + 1 * ldc + 0);
            Vector256.Store(c1_1 * va, c + 1 * ldc + 8);
            Vector256.Store(c2_0 * va, c + 2 * ldc + 0);
            Vector256.Store(c2_1 * va, c + 2 * ldc + 8);
            Vector256.Store(c3_0 * va, c + 3 * ldc + 0);
            Vector256.Store(c3_1 * va, c + 3 * ldc + 8);
        }
        else
        {
            var vb = Vector256.Create(beta);
            { float* q = c + 0 * ldc + 0; Vector256.Store(Fma.MultiplyAdd(c0_0, va, Vector256.Load(q) * vb), q); }
            { float* q = c + 0 * ldc + 8; Vector256.Store(Fma.MultiplyAdd(c0_1, va, Vector256.Load(q) * vb), q); }
            { float* q = c + 1 * ldc + 0; Vector256.Store(Fma.MultiplyAdd(c1_0, va, Vector256.Load(q) * vb), q); }
            { float* q = c + 1 * ldc + 8; Vector256.Store(Fma.MultiplyAdd(c1_1, va, Vector256.Load(q) * vb), q); }
            { float* q = c + 2 * ldc + 0; Vector256.Store(Fma.MultiplyAdd(c2_0, va, Vector256.Load(q) * vb), q); }
            { float* q = c + 2 * ldc + 8; Vector256.Store(Fma.MultiplyAdd(c2_1, va, Vector256.Load(q) * vb), q); }
            { float* q = c + 3 * ldc + 0; Vector256.Store(Fma.MultiplyAdd(c3_0, va, Vector256.Load(q) * vb), q); }
            { float* q = c + 3 * ldc + 8; Vector256.Store(Fma.MultiplyAdd(c3_1, va, Vector256.Load(q) * vb), q); }
        }
    }

    /// <summary>AVX2 + FMA micro-kernel: a 2×16 tile of C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx2Kernel2x16(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
    {
        Vector256<float> c0_0 = default, c0_1 = default;
        Vector256<float> c1_0 = default, c1_1 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Avx.LoadAlignedVector256(b + 0);
            var b1 = Avx.LoadAlignedVector256(b + 8);
            var a0 = Vector256.Create(a[0]);
            c0_0 = Fma.MultiplyAdd(a0, b0, c0_0);
            c0_1 = Fma.MultiplyAdd(a0, b1, c0_1);
            var a1 = Vector256.Create(a[1]);
            c1_0 = Fma.MultiplyAdd(a1, b0, c1_0);
            c1_1 = Fma.MultiplyAdd(a1, b1, c1_1);
            a += 2;
            b += 16;
        }
        var va = Vector256.Create(alpha);
        if (beta == 0f)
        {
            Vector256.Store(c0_0 * va, c + 0 * ldc + 0);
            Vector256.Store(c0_1 * va, c + 0 * ldc + 8);
            Vector256.Store(c1_0 * va, c + 1 * ldc + 0);
            Vector256.Store(c1_1 * va, c + 1 * ldc + 8);
        }
        else
        {
            var vb = Vector256.Create(beta);
            { float* q = c + 0 * ldc + 0; Vector256.Store(Fma.MultiplyAdd(c0_0, va, Vector256.Load(q) * vb), q); }
            { float* q = c + 0 * ldc + 8; Vector256.Store(Fma.MultiplyAdd(c0_1, va, Vector256.Load(q) * vb), q); }
            { float* q = c + 1 * ldc + 0; Vector256.Store(Fma.MultiplyAdd(c1_0, va, Vector256.Load(q) * vb), q); }
            { float* q = c + 1 * ldc + 8; Vector256.Store(Fma.MultiplyAdd(c1_1, va, Vector256.Load(q) * vb), q); }
        }
    }

    /// <summary>AVX2 + FMA micro-kernel: a 1×16 tile of C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx2Kernel1x16(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
    {
        Vector256<float> c0_0 = default, c0_1 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Avx.LoadAlignedVector256(b + 0);
            var b1 = Avx.LoadAlignedVector256(b + 8);
            var a0 = Vector256.Create(a[0]);
            c0_0 = Fma.MultiplyAdd(a0, b0, c0_0);
            c0_1 = Fma.MultiplyAdd(a0, b1, c0_1);
            a += 1;
            b += 16;
        }
        var va = Vector256.Create(alpha);
        if (beta == 0f)
        {
            Vector256.Store(c0_0 * va, c + 0 * ldc + 0);
            Vector256.Store(c0_1 * va, c + 0 * ldc + 8);
        }
        else
        {
            var vb = Vector256.Create(beta);
            { float* q = c + 0 * ldc + 0; Vector256.Store(Fma.MultiplyAdd(c0_0, va, Vector256.Load(q) * vb), q); }
            { float* q = c + 0 * ldc + 8; Vector256.Store(Fma.MultiplyAdd(c0_1, va, Vector256.Load(q) * vb), q); }
        }
    }

    /// <summary>Portable 128-bit (SSE, NEON, or software) micro-kernel: a 4×8 tile of C.</summary>
    public static void PortableKernel4x8(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
    {
        Vector128<float> c0_0 = default, c0_1 = default;
        Vector128<float> c1_0 = default, c1_1 = default;
        Vector128<float> c2_0 = default, c2_1 = default;
        Vector128<float> c3_0 = default, c3_1 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector128.Load(b + 0);
            var b1 = Vector128.Load(b + 4);
            var a0 = Vector128.Create(a[0]);
            c0_0 = Vector128.MultiplyAddEstimate(a0, b0, c0_0);
            c0_1 = Vector128.MultiplyAddEstimate(a0, b1, c0_1);
            var a1 = Vector128.Create(a[1]);
            c1_0 = Vector128.MultiplyAddEstimate(a1, b0, c1_0);
            c1_1 = Vector128.MultiplyAddEstimate(a1, b1, c1_1);
            var a2 = Vector128.Create(a[2]);
            c2_0 = Vector128.MultiplyAddEstimate(a2, b0, c2_0);
            c2_1 = Vector128.MultiplyAddEstimate(a2, b1, c2_1);
            var a3 = Vector128.Create(a[3]);
            c3_0 = Vector128.MultiplyAddEstimate(a3, b0, c3_0);
            c3_1 = Vector128.MultiplyAddEstimate(a3, b1, c3_1);
            a += 4;
            b += 8;
        }
        var va = Vector128.Create(alpha);
        if (beta == 0f)
        {
            Vector128.Store(c0_0 * va, c + 0 * ldc + 0);
            Vector128.Store(c0_1 * va, c + 0 * ldc + 4);
            Vector128.Store(c1_0 * va, c + 1 * ldc + 0);
            Vector128.Store(c1_1 * va, c + 1 * ldc + 4);
            Vector128.Store(c2_0 * va, c + 2 * ldc + 0);
            Vector128.Store(c2_1 * va, c + 2 * ldc + 4);
            Vector128.Store(c3_0 * va, c + 3 * ldc + 0);
            Vector128.Store(c3_1 * va, c + 3 * ldc + 4);
        }
        else
        {
            var vb = Vector128.Create(beta);
            { float* q = c + 0 * ldc + 0; Vector128.Store(Vector128.MultiplyAddEstimate(c0_0, va, Vector128.Load(q) * vb), q); }
            { float* q = c + 0 * ldc + 4; Vector128.Store(Vector128.MultiplyAddEstimate(c0_1, va, Vector128.Load(q) * vb), q); }
            { float* q = c + 1 * ldc + 0; Vector128.Store(Vector128.MultiplyAddEstimate(c1_0, va, Vector128.Load(q) * vb), q); }
            { float* q = c + 1 * ldc + 4; Vector128.Store(Vector128.MultiplyAddEstimate(c1_1, va, Vector128.Load(q) * vb), q); }
            { float* q = c + 2 * ldc + 0; Vector128.Store(Vector128.MultiplyAddEstimate(c2_0, va, Vector128.Load(q) * vb), q); }
            { float* q = c + 2 * ldc + 4; Vector128.Store(Vector128.MultiplyAddEstimate(c2_1, va, Vector128.Load(q) * vb), q); }
            { float* q = c + 3 * ldc + 0; Vector128.Store(Vector128.MultiplyAddEstimate(c3_0, va, Vector128.Load(q) * vb), q); }
            { float* q = c + 3 * ldc + 4; Vector128.Store(Vector128.MultiplyAddEstimate(c3_1, va, Vector128.Load(q) * vb), q); }
        }
    }

    /// <summary>Portable 128-bit (SSE, NEON, or software) micro-kernel: a 2×8 tile of C.</summary>
    public static void PortableKernel2x8(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
    {
        Vector128<float> c0_0 = default, c0_1 = default;
        Vector128<float> c1_0 = default, c1_1 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector128.Load(b + 0);
            var b1 = Vector128.Load(b + 4);
            var a0 = Vector128.Create(a[0]);
            c0_0 = Vector128.MultiplyAddEstimate(a0, b0, c0_0);
            c0_1 = Vector128.MultiplyAddEstimate(a0, b1, c0_1);
            var a1 = Vector128.Create(a[1]);
            c1_0 = Vector128.MultiplyAddEstimate(a1, b0, c1_0);
            c1_1 = Vector128.MultiplyAddEstimate(a1, b1, c1_1);
            a += 2;
            b += 8;
        }
        var va = Vector128.Create(alpha);
        if (beta == 0f)
        {
            Vector128.Store(c0_0 * va, c + 0 * ldc + 0);
            Vector128.Store(c0_1 * va, c + 0 * ldc + 4);
            Vector128.Store(c1_0 * va, c + 1 * ldc + 0);
            Vector128.Store(c1_1 * va, c + 1 * ldc + 4);
        }
        else
        {
            var vb = Vector128.Create(beta);
            { float* q = c + 0 * ldc + 0; Vector128.Store(Vector128.MultiplyAddEstimate(c0_0, va, Vector128.Load(q) * vb), q); }
            { float* q = c + 0 * ldc + 4; Vector128.Store(Vector128.MultiplyAddEstimate(c0_1, va, Vector128.Load(q) * vb), q); }
            { float* q = c + 1 * ldc + 0; Vector128.Store(Vector128.MultiplyAddEstimate(c1_0, va, Vector128.Load(q) * vb), q); }
            { float* q = c + 1 * ldc + 4; Vector128.Store(Vector128.MultiplyAddEstimate(c1_1, va, Vector128.Load(q) * vb), q); }
        }
    }

    /// <summary>Portable 128-bit (SSE, NEON, or software) micro-kernel: a 1×8 tile of C.</summary>
    public static void PortableKernel1x8(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
    {
        Vector128<float> c0_0 = default, c0_1 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector128.Load(b + 0);
            var b1 = Vector128.Load(b + 4);
            var a0 = Vector128.Create(a[0]);
            c0_0 = Vector128.MultiplyAddEstimate(a0, b0, c0_0);
            c0_1 = Vector128.MultiplyAddEstimate(a0, b1, c0_1);
            a += 1;
            b += 8;
        }
        var va = Vector128.Create(alpha);
        if (beta == 0f)
        {
            Vector128.Store(c0_0 * va, c + 0 * ldc + 0);
            Vector128.Store(c0_1 * va, c + 0 * ldc + 4);
        }
        else
        {
            var vb = Vector128.Create(beta);
            { float* q = c + 0 * ldc + 0; Vector128.Store(Vector128.MultiplyAddEstimate(c0_0, va, Vector128.Load(q) * vb), q); }
            { float* q = c + 0 * ldc + 4; Vector128.Store(Vector128.MultiplyAddEstimate(c0_1, va, Vector128.Load(q) * vb), q); }
        }
    }
}

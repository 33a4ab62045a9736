using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MLNetMarginLoss.Engine.Kernels;

/// <summary>
/// Copies blocks of op(A) and op(B) into the contiguous panel layouts the micro-kernels stream through
/// (GotoBLAS/BLIS packing). A panels get exact heights (there is a kernel for each height used); the last
/// B panel is padded with zeros to the full width NR.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs rows [0, <paramref name="rows"/>) × k [0, <paramref name="kc"/>) of op(A), starting at
    /// <paramref name="a"/> (the address of op(A)[0, 0] of the block), into panels of the heights
    /// <see cref="GemmKernelConfig.PanelHeight"/> gives (MR, then smaller ones at the end): a panel of height h
    /// starting at row r holds, for each k step p, the h values op(A)[r + i, p] one after another, and begins at
    /// offset r·<paramref name="kc"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(bool transA, float* a, int lda, int rows, int kc, GemmKernelConfig cfg, float* dst)
    {
        for (int i0 = 0, h; i0 < rows; i0 += h, dst += (nint)h * kc)
        {
            h = cfg.PanelHeight(rows - i0);
            if (transA)
            {
                // op(A)[i, p] = a[p·lda + i]: each k step is a contiguous run of h values.
                float* src = a + i0;
                if (h >= 8 && h <= 16 && Avx.IsSupported)
                {
                    // Two (possibly overlapping) 8-float copies cover the h values of each k step.
                    for (int p = 0; p < kc; p++)
                    {
                        float* s = src + (nint)p * lda;
                        float* d = dst + (nint)p * h;
                        Avx.Store(d, Avx.LoadVector256(s));
                        Avx.Store(d + (h - 8), Avx.LoadVector256(s + (h - 8)));
                    }
                    continue;
                }
                for (int p = 0; p < kc; p++)
                {
                    float* s = src + (nint)p * lda;
                    float* d = dst + (nint)p * h;
                    for (int i = 0; i < h; i++) d[i] = s[i];
                }
            }
            else
            {
                // op(A)[i, p] = a[i·lda + p]: a transpose.
                int p0 = 0;
                if (h >= 8 && Avx.IsSupported)
                {
                    // 8×8 register transposes over row groups 0..7, 8..15, ... and a last group ending at row h
                    // (it may overlap the previous one; overlapping lanes get the same values).
                    for (; p0 + 8 <= kc; p0 += 8)
                    {
                        for (int g = 0; g < h; g += 8)
                        {
                            int r = Math.Min(g, h - 8);
                            Transpose8x8(a + (nint)(i0 + r) * lda + p0, lda, dst + (nint)p0 * h + r, h);
                        }
                    }
                }
                // The rest: read each row contiguously, write it with stride h.
                for (int i = 0; i < h; i++)
                {
                    float* s = a + (nint)(i0 + i) * lda;
                    float* d = dst + i;
                    int p = p0;
                    for (; p + 4 <= kc; p += 4)
                    {
                        d[(p + 0) * h] = s[p + 0];
                        d[(p + 1) * h] = s[p + 1];
                        d[(p + 2) * h] = s[p + 2];
                        d[(p + 3) * h] = s[p + 3];
                    }
                    for (; p < kc; p++) d[p * h] = s[p];
                }
            }
        }
    }

    /// <summary>
    /// Packs k [0, <paramref name="kc"/>) × columns [0, <paramref name="cols"/>) of op(B), starting at
    /// <paramref name="b"/> (the address of op(B)[0, 0] of the block), into panels of <paramref name="nr"/> columns:
    /// panel q holds, for each k step p, the <paramref name="nr"/> values op(B)[p, q·nr + j] one after another.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB(bool transB, float* b, int ldb, int kc, int cols, int nr, float* dst)
    {
        for (int j0 = 0; j0 < cols; j0 += nr, dst += (nint)nr * kc)
        {
            int w = Math.Min(nr, cols - j0);
            if (!transB)
            {
                // op(B)[p, j] = b[p·ldb + j]: each k step is a contiguous run of w values.
                float* src = b + j0;
                nuint bytes = (nuint)w * sizeof(float);
                for (int p = 0; p < kc; p++)
                {
                    float* d = dst + (nint)p * nr;
                    Unsafe.CopyBlockUnaligned(d, src + (nint)p * ldb, (uint)bytes);
                    for (int j = w; j < nr; j++) d[j] = 0f;
                }
            }
            else
            {
                // op(B)[p, j] = b[j·ldb + p]: read each row of B contiguously, write it with stride nr.
                int p0 = 0;
                if (w == nr && nr % 8 == 0 && Avx.IsSupported)
                {
                    for (; p0 + 8 <= kc; p0 += 8)
                        for (int g = 0; g < nr; g += 8)
                            Transpose8x8(b + (nint)(j0 + g) * ldb + p0, ldb, dst + (nint)p0 * nr + g, nr);
                }
                for (int j = 0; j < w; j++)
                {
                    float* s = b + (nint)(j0 + j) * ldb;
                    float* d = dst + j;
                    int p = p0;
                    for (; p + 4 <= kc; p += 4)
                    {
                        d[(p + 0) * nr] = s[p + 0];
                        d[(p + 1) * nr] = s[p + 1];
                        d[(p + 2) * nr] = s[p + 2];
                        d[(p + 3) * nr] = s[p + 3];
                    }
                    for (; p < kc; p++) d[p * nr] = s[p];
                }
                if (w < nr) ZeroRows(dst, kc, nr, w);
            }
        }
    }

    /// <summary>Writes the transpose of the 8×8 block at <paramref name="src"/> (row stride <paramref name="lds"/>) to <paramref name="dst"/> (row stride <paramref name="ldd"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* src, int lds, float* dst, int ldd)
    {
        var r0 = Avx.LoadVector256(src);
        var r1 = Avx.LoadVector256(src + lds);
        var r2 = Avx.LoadVector256(src + 2 * (nint)lds);
        var r3 = Avx.LoadVector256(src + 3 * (nint)lds);
        var r4 = Avx.LoadVector256(src + 4 * (nint)lds);
        var r5 = Avx.LoadVector256(src + 5 * (nint)lds);
        var r6 = Avx.LoadVector256(src + 6 * (nint)lds);
        var r7 = Avx.LoadVector256(src + 7 * (nint)lds);
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var s0 = Avx.Shuffle(t0, t2, 0x44);
        var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44);
        var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44);
        var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44);
        var s7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(s0, s4, 0x20));
        Avx.Store(dst + ldd, Avx.Permute2x128(s1, s5, 0x20));
        Avx.Store(dst + 2 * (nint)ldd, Avx.Permute2x128(s2, s6, 0x20));
        Avx.Store(dst + 3 * (nint)ldd, Avx.Permute2x128(s3, s7, 0x20));
        Avx.Store(dst + 4 * (nint)ldd, Avx.Permute2x128(s0, s4, 0x31));
        Avx.Store(dst + 5 * (nint)ldd, Avx.Permute2x128(s1, s5, 0x31));
        Avx.Store(dst + 6 * (nint)ldd, Avx.Permute2x128(s2, s6, 0x31));
        Avx.Store(dst + 7 * (nint)ldd, Avx.Permute2x128(s3, s7, 0x31));
    }

    private static void ZeroRows(float* panel, int kc, int width, int from)
    {
        for (int p = 0; p < kc; p++)
        {
            float* d = panel + (nint)p * width;
            for (int j = from; j < width; j++) d[j] = 0f;
        }
    }
}

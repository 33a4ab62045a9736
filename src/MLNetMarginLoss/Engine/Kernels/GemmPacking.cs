using System.Runtime.CompilerServices;

namespace MLNetMarginLoss.Engine.Kernels;

/// <summary>
/// Copies blocks of op(A) and op(B) into the contiguous panel layouts the micro-kernels stream through
/// (GotoBLAS/BLIS packing). Edge panels are padded with zeros, so a kernel always computes a full tile.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs rows [0, <paramref name="rows"/>) × k [0, <paramref name="kc"/>) of op(A), starting at
    /// <paramref name="a"/> (the address of op(A)[0, 0] of the block), into panels of <paramref name="mr"/> rows:
    /// panel r holds, for each k step p, the <paramref name="mr"/> values op(A)[r·mr + i, p] one after another.
    /// </summary>
    public static void PackA(bool transA, float* a, int lda, int rows, int kc, int mr, float* dst)
    {
        for (int i0 = 0; i0 < rows; i0 += mr, dst += (nint)mr * kc)
        {
            int h = Math.Min(mr, rows - i0);
            if (transA)
            {
                // op(A)[i, p] = a[p·lda + i]: each k step is a contiguous run of h values.
                float* src = a + i0;
                for (int p = 0; p < kc; p++)
                {
                    float* s = src + (nint)p * lda;
                    float* d = dst + (nint)p * mr;
                    int i = 0;
                    for (; i < h; i++) d[i] = s[i];
                    for (; i < mr; i++) d[i] = 0f;
                }
            }
            else
            {
                // op(A)[i, p] = a[i·lda + p]: read each row contiguously, write it with stride mr.
                for (int i = 0; i < h; i++)
                {
                    float* s = a + (nint)(i0 + i) * lda;
                    float* d = dst + i;
                    int p = 0;
                    for (; p + 4 <= kc; p += 4)
                    {
                        d[(p + 0) * mr] = s[p + 0];
                        d[(p + 1) * mr] = s[p + 1];
                        d[(p + 2) * mr] = s[p + 2];
                        d[(p + 3) * mr] = s[p + 3];
                    }
                    for (; p < kc; p++) d[p * mr] = s[p];
                }
                if (h < mr) ZeroRows(dst, kc, mr, h);
            }
        }
    }

    /// <summary>
    /// Packs k [0, <paramref name="kc"/>) × columns [0, <paramref name="cols"/>) of op(B), starting at
    /// <paramref name="b"/> (the address of op(B)[0, 0] of the block), into panels of <paramref name="nr"/> columns:
    /// panel q holds, for each k step p, the <paramref name="nr"/> values op(B)[p, q·nr + j] one after another.
    /// </summary>
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
                for (int j = 0; j < w; j++)
                {
                    float* s = b + (nint)(j0 + j) * ldb;
                    float* d = dst + j;
                    int p = 0;
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

    private static void ZeroRows(float* panel, int kc, int width, int from)
    {
        for (int p = 0; p < kc; p++)
        {
            float* d = panel + (nint)p * width;
            for (int j = from; j < width; j++) d[j] = 0f;
        }
    }
}

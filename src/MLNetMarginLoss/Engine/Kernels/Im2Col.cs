using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MLNetMarginLoss.Engine.Kernels;

/// <summary>
/// The im2col / col2im kernels behind GEMM convolutions. The column matrix has one row per
/// (channel, kernel row, kernel column) — <see cref="ConvolutionGeometry.PatchSize"/> rows, ordered like a PyTorch
/// weight [out, in, kh, kw] flattened per output channel — and one column per output position. Several samples
/// can share one matrix: sample s occupies columns [offset, offset + OH·OW) of rows of stride <c>ld</c>.
/// Both kernels work on one input channel so callers can parallelise over (sample, channel) pairs.
/// The stride-1 case copies and adds whole contiguous row segments (vectorised).
/// </summary>
internal static class Im2Col
{
    /// <summary>
    /// Writes the kh·kw column-matrix rows of input channel <paramref name="channel"/> of one sample.
    /// <paramref name="plane"/> is that channel's H·W input plane; positions that fall in the padding get 0.
    /// </summary>
    public static void Expand(in ConvolutionGeometry g, ReadOnlySpan<float> plane, int channel,
        Span<float> columns, int ld, int offset)
    {
        int kh = g.KernelHeight, kw = g.KernelWidth, oh = g.OutputHeight, ow = g.OutputWidth;
        int s = g.Stride, pad = g.Padding, h = g.Height, w = g.Width;
        if (s == 1)
        {
            ExpandStrideOne(g, plane[..(h * w)], channel, columns, ld, offset);
            return;
        }
        for (int ki = 0; ki < kh; ki++)
        for (int kj = 0; kj < kw; kj++)
        {
            var row = columns.Slice(((channel * kh + ki) * kw + kj) * ld + offset, oh * ow);
            // Output columns whose input column lies inside the image: ow·s − pad + kj ∈ [0, w).
            int first = FirstInside(pad - kj, s, ow);
            int end = EndInside(w + pad - kj, s, ow);
            for (int y = 0; y < oh; y++)
            {
                var dst = row.Slice(y * ow, ow);
                int iy = y * s - pad + ki;
                if ((uint)iy >= (uint)h || first >= end) { dst.Clear(); continue; }
                var src = plane.Slice(iy * w, w);
                if (first > 0) dst[..first].Clear();
                if (end < ow) dst[end..].Clear();
                for (int x = first, ix = first * s - pad + kj; x < end; x++, ix += s) dst[x] = src[ix];
            }
        }
    }

    // Stride 1: every in-range output row is one contiguous run of the input row. The slices are checked once per
    // kernel offset; the row loop then works on references.
    private static void ExpandStrideOne(in ConvolutionGeometry g, ReadOnlySpan<float> plane, int channel,
        Span<float> columns, int ld, int offset)
    {
        int kh = g.KernelHeight, kw = g.KernelWidth, oh = g.OutputHeight, ow = g.OutputWidth;
        int pad = g.Padding, h = g.Height, w = g.Width;
        ref float source = ref MemoryMarshal.GetReference(plane);
        for (int ki = 0; ki < kh; ki++)
        {
            // Output rows whose input row iy = y − pad + ki lies inside the image.
            int yFirst = Math.Clamp(pad - ki, 0, oh), yEnd = Math.Clamp(h + pad - ki, yFirst, oh);
            for (int kj = 0; kj < kw; kj++)
            {
                var row = columns.Slice(((channel * kh + ki) * kw + kj) * ld + offset, oh * ow);
                int first = FirstInside(pad - kj, 1, ow);
                int end = EndInside(w + pad - kj, 1, ow);
                if (first >= end) { row.Clear(); continue; }
                row[..(yFirst * ow)].Clear();
                row[(yEnd * ow)..].Clear();
                ref float dst = ref MemoryMarshal.GetReference(row);
                int count = end - first;
                if (yFirst == yEnd) continue;
                if (first == 0 && end == ow)
                {
                    ref float src = ref Unsafe.Add(ref source, (yFirst - pad + ki) * w - pad + kj);
                    for (int y = yFirst; y < yEnd; y++, src = ref Unsafe.Add(ref src, w))
                        Copy(ref src, ref Unsafe.Add(ref dst, y * ow), count);
                    continue;
                }
                for (int y = yFirst; y < yEnd; y++)
                {
                    var dstRow = row.Slice(y * ow, ow);
                    if (first > 0) dstRow[..first].Clear();
                    if (end < ow) dstRow[end..].Clear();
                    Copy(ref Unsafe.Add(ref source, (y - pad + ki) * w + first - pad + kj), ref dstRow[first], count);
                }
            }
        }
    }

    /// <summary>
    /// The adjoint of <see cref="Expand"/>: overwrites the H·W input plane of channel <paramref name="channel"/>
    /// with the sum of every column-matrix entry that was copied from each position.
    /// </summary>
    public static void Accumulate(in ConvolutionGeometry g, ReadOnlySpan<float> columns, int ld, int offset,
        int channel, Span<float> plane)
    {
        int kh = g.KernelHeight, kw = g.KernelWidth, oh = g.OutputHeight, ow = g.OutputWidth;
        int s = g.Stride, pad = g.Padding, h = g.Height, w = g.Width;
        plane = plane[..(h * w)];
        plane.Clear();
        for (int ki = 0; ki < kh; ki++)
        for (int kj = 0; kj < kw; kj++)
        {
            var row = columns.Slice(((channel * kh + ki) * kw + kj) * ld + offset, oh * ow);
            int first = FirstInside(pad - kj, s, ow);
            int end = EndInside(w + pad - kj, s, ow);
            if (first >= end) continue;
            if (s == 1)
            {
                // Input rows iy = y − pad + ki inside the image; references instead of per-row slices.
                int yFirst = Math.Clamp(pad - ki, 0, oh), yEnd = Math.Clamp(h + pad - ki, yFirst, oh);
                if (yFirst == yEnd) continue;
                ref float from = ref Unsafe.Add(ref MemoryMarshal.GetReference(row), yFirst * ow + first);
                ref float to = ref Unsafe.Add(ref MemoryMarshal.GetReference(plane), (yFirst - pad + ki) * w + first - pad + kj);
                for (int y = yFirst; y < yEnd; y++, from = ref Unsafe.Add(ref from, ow), to = ref Unsafe.Add(ref to, w))
                    Add(ref from, ref to, end - first);
                continue;
            }
            for (int y = 0; y < oh; y++)
            {
                int iy = y * s - pad + ki;
                if ((uint)iy >= (uint)h) continue;
                var src = row.Slice(y * ow, ow);
                var dst = plane.Slice(iy * w, w);
                for (int x = first, ix = first * s - pad + kj; x < end; x++, ix += s) dst[ix] += src[x];
            }
        }
    }

    // Short contiguous copies (one output row, typically 8–64 floats): whole vectors, the last one overlapping.
    private static void Copy(ref float from, ref float to, int count)
    {
        if (Vector512.IsHardwareAccelerated && count >= Vector512<float>.Count)
        {
            int last = count - Vector512<float>.Count;
            for (int i = 0; i < last; i += Vector512<float>.Count)
                Vector512.LoadUnsafe(ref from, (nuint)i).StoreUnsafe(ref to, (nuint)i);
            Vector512.LoadUnsafe(ref from, (nuint)last).StoreUnsafe(ref to, (nuint)last);
            return;
        }
        if (Vector256.IsHardwareAccelerated && count >= Vector256<float>.Count)
        {
            int last = count - Vector256<float>.Count;
            for (int i = 0; i < last; i += Vector256<float>.Count)
                Vector256.LoadUnsafe(ref from, (nuint)i).StoreUnsafe(ref to, (nuint)i);
            Vector256.LoadUnsafe(ref from, (nuint)last).StoreUnsafe(ref to, (nuint)last);
            return;
        }
        for (int i = 0; i < count; i++) Unsafe.Add(ref to, i) = Unsafe.Add(ref from, i);
    }

    // to[i] += from[i] for a short row (no overlap trick: each element must be added once).
    private static void Add(ref float from, ref float to, int count)
    {
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= count - Vector512<float>.Count; i += Vector512<float>.Count)
                (Vector512.LoadUnsafe(ref to, (nuint)i) + Vector512.LoadUnsafe(ref from, (nuint)i)).StoreUnsafe(ref to, (nuint)i);
        }
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= count - Vector256<float>.Count; i += Vector256<float>.Count)
                (Vector256.LoadUnsafe(ref to, (nuint)i) + Vector256.LoadUnsafe(ref from, (nuint)i)).StoreUnsafe(ref to, (nuint)i);
        }
        for (; i < count; i++) Unsafe.Add(ref to, i) += Unsafe.Add(ref from, i);
    }

    // Smallest x ≥ 0 with x·s ≥ lowest (lowest = pad − kj), capped at count.
    private static int FirstInside(int lowest, int s, int count)
        => lowest <= 0 ? 0 : Math.Min(count, (lowest + s - 1) / s);

    // Smallest x with x·s ≥ limit (limit = w + pad − kj), i.e. one past the last inside column, clamped to [0, count].
    private static int EndInside(int limit, int s, int count)
        => limit <= 0 ? 0 : Math.Min(count, (limit + s - 1) / s);
}

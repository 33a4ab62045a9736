using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MLNetMarginLoss.Embeddings;

/// <summary>
/// Keeps the k largest scores seen so far for one query, streaming over blocks of candidate scores.
/// The state is a binary min-heap (worst kept candidate at the root) stored in caller-owned spans, so
/// it allocates nothing. Ordering: higher score first, then lower index. NaN scores are never kept.
/// </summary>
internal static class StreamingTopK
{
    /// <summary>
    /// Offers the candidates <paramref name="scores"/>, whose indices are <paramref name="indexOffset"/> + position.
    /// <paramref name="count"/> is the number of entries already in the heap (at most the heap length).
    /// </summary>
    public static void Offer(ReadOnlySpan<float> scores, int indexOffset, Span<float> heapScores, Span<int> heapIndices, ref int count)
    {
        int k = heapScores.Length;
        if (k == 0) return;
        int i = 0;
        // Fill phase: take everything until the heap is full.
        while (count < k && i < scores.Length)
        {
            float s = scores[i];
            if (!float.IsNaN(s)) Push(heapScores, heapIndices, ref count, s, indexOffset + i);
            i++;
        }
        float threshold = heapScores[0];
        // Candidates arrive in increasing index order, so a score equal to the root's can never beat it:
        // only strictly greater scores matter, and whole vectors below the threshold are skipped.
        if (Vector512.IsHardwareAccelerated)
        {
            var t = Vector512.Create(threshold);
            for (; i <= scores.Length - 16; i += 16)
            {
                var v = Vector512.Create(scores.Slice(i, 16));
                if (!Vector512.GreaterThanAny(v, t)) continue;
                for (int j = i; j < i + 16; j++)
                    if (scores[j] > threshold) { ReplaceRoot(heapScores, heapIndices, scores[j], indexOffset + j); threshold = heapScores[0]; }
                t = Vector512.Create(threshold);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var t = Vector256.Create(threshold);
            for (; i <= scores.Length - 8; i += 8)
            {
                var v = Vector256.Create(scores.Slice(i, 8));
                if (!Vector256.GreaterThanAny(v, t)) continue;
                for (int j = i; j < i + 8; j++)
                    if (scores[j] > threshold) { ReplaceRoot(heapScores, heapIndices, scores[j], indexOffset + j); threshold = heapScores[0]; }
                t = Vector256.Create(threshold);
            }
        }
        for (; i < scores.Length; i++)
            if (scores[i] > threshold) { ReplaceRoot(heapScores, heapIndices, scores[i], indexOffset + i); threshold = heapScores[0]; }
    }

    /// <summary>Sorts the first <paramref name="count"/> heap entries best first (heap sort, in place).</summary>
    public static void Finish(Span<float> heapScores, Span<int> heapIndices, int count)
    {
        for (int end = count - 1; end > 0; end--)
        {
            (heapScores[0], heapScores[end]) = (heapScores[end], heapScores[0]);
            (heapIndices[0], heapIndices[end]) = (heapIndices[end], heapIndices[0]);
            SiftDown(heapScores, heapIndices, 0, end);
        }
    }

    /// <summary>True when candidate a ranks below candidate b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Worse(float sa, int ia, float sb, int ib) => sa < sb || (sa == sb && ia > ib);

    private static void Push(Span<float> hs, Span<int> hi, ref int count, float s, int index)
    {
        int c = count++;
        while (c > 0)
        {
            int p = (c - 1) >> 1;
            if (!Worse(s, index, hs[p], hi[p])) break;
            hs[c] = hs[p]; hi[c] = hi[p];
            c = p;
        }
        hs[c] = s; hi[c] = index;
    }

    private static void ReplaceRoot(Span<float> hs, Span<int> hi, float s, int index)
    {
        hs[0] = s; hi[0] = index;
        SiftDown(hs, hi, 0, hs.Length);
    }

    private static void SiftDown(Span<float> hs, Span<int> hi, int c, int n)
    {
        float s = hs[c]; int index = hi[c];
        while (true)
        {
            int l = 2 * c + 1;
            if (l >= n) break;
            int r = l + 1;
            int w = r < n && Worse(hs[r], hi[r], hs[l], hi[l]) ? r : l;
            if (!Worse(hs[w], hi[w], s, index)) break;
            hs[c] = hs[w]; hi[c] = hi[w];
            c = w;
        }
        hs[c] = s; hi[c] = index;
    }
}

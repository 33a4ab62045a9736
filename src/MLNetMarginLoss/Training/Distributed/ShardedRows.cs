using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Training.Distributed;

/// <summary>
/// Moves the rows of a row-sharded matrix (class centres, their optimizer state) between the shards' pages and the
/// whole matrix's pages, in the layout one process uses (<see cref="RowMatrix"/>: whole rows, at most
/// <see cref="RowMatrix.DefaultPageFloats"/> floats a page), so that what is saved does not depend on the number of
/// processes. Gathering goes page by page (one gather per page of the whole matrix), so the receiver holds the whole
/// matrix but nobody holds it twice; slicing reads a shard's rows out of whole pages with no communication.
/// </summary>
internal static class ShardedRows
{
    /// <summary>Rows per page of a matrix with <paramref name="cols"/> columns.</summary>
    public static int RowsPerPage(int cols) => Math.Max(1, RowMatrix.DefaultPageFloats / cols);

    /// <summary>
    /// Gathers every shard's rows (this process's in <paramref name="shardPages"/>; shard r holds the rows
    /// <paramref name="rowsOf"/>(r), contiguous and in rank order) into the pages of the whole matrix of
    /// <paramref name="totalRows"/> rows, on <paramref name="root"/> only; null on the others.
    /// </summary>
    public static float[][]? Gather(Communicator world, IReadOnlyList<float[]> shardPages, int cols, Func<int, (long First, long Count)> rowsOf, long totalRows, int root)
    {
        int perPage = RowsPerPage(cols);
        int pages = (int)((totalRows + perPage - 1) / perPage);
        var (mineFirst, _) = rowsOf(world.Rank);
        bool receives = world.Rank == root;
        var result = receives ? new float[pages][] : null;
        var counts = new int[world.Size];
        float[] send = [];
        for (int p = 0; p < pages; p++)
        {
            long a = (long)p * perPage, b = Math.Min(totalRows, a + perPage);
            for (int r = 0; r < world.Size; r++)
            {
                var (first, count) = rowsOf(r);
                counts[r] = checked((int)(Math.Max(0, Math.Min(b, first + count) - Math.Max(a, first)) * cols));
            }
            int mine = counts[world.Rank];
            if (send.Length < mine) send = new float[mine];
            long from = Math.Max(a, mineFirst);
            for (int i = 0; i < mine / cols; i++)
            {
                long local = from + i - mineFirst;
                shardPages[(int)(local / perPage)].AsSpan((int)(local % perPage) * cols, cols).CopyTo(send.AsSpan(i * cols));
            }
            var page = receives ? new float[(b - a) * cols] : [];
            world.Gather<float>(send.AsSpan(0, mine), page, counts, root);
            if (result is not null) result[p] = page;
        }
        return result;
    }

    /// <summary>The rows [<paramref name="first"/>, first + <paramref name="count"/>) of a whole matrix (its pages by index) as a shard's pages.</summary>
    public static float[][] Slice(Func<int, float[]> wholePage, int cols, long first, long count)
    {
        int perPage = RowsPerPage(cols);
        var result = new float[(int)((count + perPage - 1) / perPage)][];
        for (int p = 0; p < result.Length; p++)
        {
            long rows = Math.Min(perPage, count - (long)p * perPage);
            var page = new float[rows * cols];
            for (int i = 0; i < rows; i++)
            {
                long g = first + (long)p * perPage + i;
                wholePage((int)(g / perPage)).AsSpan((int)(g % perPage) * cols, cols).CopyTo(page.AsSpan(i * cols));
            }
            result[p] = page;
        }
        return result;
    }
}

namespace MLNetMarginLoss.Engine;

/// <summary>
/// A [rows, cols] float matrix addressed with 64-bit row indices, stored row-major in pages of whole rows (each page
/// one array of at most <see cref="DefaultPageFloats"/> floats), so it may hold more than the 2³¹ − 1 elements of one
/// .NET array: class centres of millions of classes, their optimizer state, large data sets. A row never straddles two
/// pages, so <see cref="Row"/> is one span and each page is a contiguous row-major block for GEMM
/// (<see cref="Pages"/>). Zero-initialised.
/// </summary>
internal sealed class RowMatrix
{
    /// <summary>Floats per page by default: 2²⁸ (1 GiB).</summary>
    public const int DefaultPageFloats = 1 << 28;

    private readonly float[][] _pages;

    /// <summary>Creates a zero matrix; <paramref name="pageFloats"/> caps each page (tests use small pages).</summary>
    public RowMatrix(long rows, int cols, int pageFloats = DefaultPageFloats)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cols);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pageFloats);
        Rows = rows;
        Cols = cols;
        RowsPerPage = Math.Max(1, pageFloats / cols);
        long pages = rows == 0 ? 0 : (rows + RowsPerPage - 1) / RowsPerPage;
        _pages = new float[checked((int)pages)][];
        for (int p = 0; p < _pages.Length; p++)
        {
            long first = (long)p * RowsPerPage;
            _pages[p] = new float[checked((int)Math.Min(RowsPerPage, rows - first) * cols)];
        }
    }

    /// <summary>Number of rows.</summary>
    public long Rows { get; }

    /// <summary>Floats per row.</summary>
    public int Cols { get; }

    /// <summary>Rows per page (the last page may hold fewer).</summary>
    public int RowsPerPage { get; }

    /// <summary>Total number of elements, Rows × Cols.</summary>
    public long Length => Rows * Cols;

    /// <summary>The pages in row order: (first row, row count, the page's array holding those rows row-major).</summary>
    public IEnumerable<(long FirstRow, int RowCount, float[] Data)> Pages
    {
        get
        {
            for (int p = 0; p < _pages.Length; p++)
                yield return ((long)p * RowsPerPage, _pages[p].Length / Cols, _pages[p]);
        }
    }

    /// <summary>Number of pages.</summary>
    public int PageCount => _pages.Length;

    /// <summary>Page <paramref name="index"/>'s array.</summary>
    public float[] Page(int index) => _pages[index];

    /// <summary>The first row of page <paramref name="index"/>.</summary>
    public long PageFirstRow(int index) => (long)index * RowsPerPage;

    /// <summary>The rows of page <paramref name="index"/>.</summary>
    public int PageRowCount(int index) => _pages[index].Length / Cols;

    /// <summary>Row <paramref name="row"/> (a view into its page).</summary>
    public Span<float> Row(long row)
    {
        if ((ulong)row >= (ulong)Rows) throw new ArgumentOutOfRangeException(nameof(row), row, $"Row {row} is outside [0, {Rows}).");
        int page = (int)(row / RowsPerPage);
        int offset = (int)(row - (long)page * RowsPerPage) * Cols;
        return _pages[page].AsSpan(offset, Cols);
    }

    /// <summary>Copies the rows <paramref name="rows"/> in that order into <paramref name="destination"/> (rows.Length × Cols floats).</summary>
    public void GatherRows(ReadOnlySpan<long> rows, Span<float> destination)
    {
        for (int i = 0; i < rows.Length; i++) Row(rows[i]).CopyTo(destination.Slice(i * Cols, Cols));
    }

    /// <summary>Sets every element to zero.</summary>
    public void Clear()
    {
        foreach (var page in _pages) Array.Clear(page);
    }

    /// <summary>Copies all values from <paramref name="source"/>, which must have the same shape.</summary>
    public void CopyFrom(RowMatrix source)
    {
        if (source.Rows != Rows || source.Cols != Cols)
            throw new ArgumentException($"Cannot copy a [{source.Rows}, {source.Cols}] matrix into a [{Rows}, {Cols}] one.", nameof(source));
        if (source.RowsPerPage == RowsPerPage)
        {
            for (int p = 0; p < _pages.Length; p++) source._pages[p].AsSpan().CopyTo(_pages[p]);
            return;
        }
        for (long r = 0; r < Rows; r++) source.Row(r).CopyTo(Row(r));
    }

    /// <summary>Copies <see cref="Length"/> values in row-major order from <paramref name="values"/>.</summary>
    public void CopyFrom(ReadOnlySpan<float> values)
    {
        if (values.Length != Length) throw new ArgumentException($"Expected {Length} values for a [{Rows}, {Cols}] matrix, got {values.Length}.", nameof(values));
        int at = 0;
        foreach (var page in _pages)
        {
            values.Slice(at, page.Length).CopyTo(page);
            at += page.Length;
        }
    }

    /// <summary>All values in row-major order in one new array (only when they fit one array).</summary>
    /// <exception cref="InvalidOperationException">More than <see cref="Array.MaxLength"/> elements.</exception>
    public float[] ToArray()
    {
        if (Length > Array.MaxLength)
            throw new InvalidOperationException($"A [{Rows}, {Cols}] matrix ({Length:N0} values) does not fit one array; read it page by page.");
        var all = new float[Length];
        int at = 0;
        foreach (var page in _pages)
        {
            page.AsSpan().CopyTo(all.AsSpan(at));
            at += page.Length;
        }
        return all;
    }

    /// <inheritdoc />
    public override string ToString() => $"RowMatrix[{Rows}×{Cols}, {PageCount} page(s)]";
}

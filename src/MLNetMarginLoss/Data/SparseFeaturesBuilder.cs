namespace MLNetMarginLoss.Data;

/// <summary>
/// Collects feature rows one at a time into <see cref="SparseFeatures"/> (CSR): sparse rows as given (columns
/// ascending), dense rows by their non-zero entries. The arrays grow by doubling, so reading n stored values costs
/// O(n) copies and at most twice their memory while reading.
/// </summary>
internal sealed class SparseFeaturesBuilder
{
    private readonly int _columns;
    private long[] _offsets = new long[1025];
    private int[] _indices = new int[4096];
    private float[] _values = new float[4096];
    private int _rows;

    /// <summary>A builder of rows with <paramref name="columns"/> entries each.</summary>
    public SparseFeaturesBuilder(int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        _columns = columns;
    }

    /// <summary>Rows appended so far.</summary>
    public int Count => _rows;

    /// <summary>Stored values appended so far.</summary>
    public long NonZeros => _offsets[_rows];

    /// <summary>Appends a sparse row: <paramref name="values"/> at the columns <paramref name="indices"/> (strictly ascending, in range).</summary>
    public void AppendSparse(ReadOnlySpan<int> indices, ReadOnlySpan<float> values)
    {
        long at = Reserve(indices.Length);
        indices.CopyTo(_indices.AsSpan((int)at));
        values.CopyTo(_values.AsSpan((int)at));
        Commit(at + indices.Length);
    }

    /// <summary>Appends a dense row (<see cref="SparseFeatures.Columns"/> values), storing its non-zero entries.</summary>
    public void AppendDense(ReadOnlySpan<float> values)
    {
        int stored = 0;
        foreach (float v in values) if (v != 0) stored++;
        long at = Reserve(stored);
        int p = (int)at;
        for (int c = 0; c < values.Length; c++)
            if (values[c] != 0) { _indices[p] = c; _values[p] = values[c]; p++; }
        Commit(p);
    }

    /// <summary>The rows appended, as CSR arrays trimmed to size.</summary>
    public SparseFeatures Build()
    {
        long stored = NonZeros;
        Array.Resize(ref _offsets, _rows + 1);
        Array.Resize(ref _indices, (int)stored);
        Array.Resize(ref _values, (int)stored);
        return new SparseFeatures(_columns, _offsets, _indices, _values);
    }

    private long Reserve(int count)
    {
        long at = _offsets[_rows], end = at + count;
        if (end > Array.MaxLength)
            throw new InsufficientMemoryException($"The sparse rows hold more than {Array.MaxLength:N0} stored values, the most one array holds; use fewer rows or fewer features (e.g. FeaturizeText with a smaller n-gram range).");
        if (end > _indices.Length)
        {
            int grown = (int)Math.Min(Array.MaxLength, Math.Max(end, 2L * _indices.Length));
            Array.Resize(ref _indices, grown);
            Array.Resize(ref _values, grown);
        }
        if (_rows + 2 > _offsets.Length) Array.Resize(ref _offsets, checked(2 * _offsets.Length));
        return at;
    }

    private void Commit(long end) => _offsets[++_rows] = end;
}

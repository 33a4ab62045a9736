namespace MLNetMarginLoss.Engine;

/// <summary>
/// A batch of sparse samples in compressed sparse row (CSR) form: row i's stored values are
/// <c>Values[RowStart[i] .. RowStart[i + 1])</c> at the columns <c>Indices[…]</c> (ascending, each in
/// [0, <see cref="Columns"/>)); every other entry of the row is zero. It is the sparse counterpart of a
/// <see cref="Tensor"/> of flat vectors, for the first <see cref="Layers.Linear"/> layer of an encoder (see
/// <see cref="Kernels.SparseGemm"/>). Buffers are reused across batches and grow only when too small; offsets are 32-bit
/// because one batch holds at most <see cref="Array.MaxLength"/> values.
/// </summary>
internal sealed class SparseBatch
{
    private int[] _rowStart = [0];
    private int[] _indices = [];
    private float[] _values = [];

    /// <summary>An empty batch of rows with <paramref name="columns"/> entries each.</summary>
    public SparseBatch(int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        Columns = columns;
    }

    /// <summary>Entries per row (the dense row length).</summary>
    public int Columns { get; }

    /// <summary>Rows in the batch.</summary>
    public int Rows { get; private set; }

    /// <summary>Stored values in the batch.</summary>
    public int NonZeros => _rowStart[Rows];

    /// <summary>Row offsets, <see cref="Rows"/> + 1 of them: row i is [RowStart[i], RowStart[i + 1]).</summary>
    public ReadOnlySpan<int> RowStart => _rowStart.AsSpan(0, Rows + 1);

    /// <summary>The column of each stored value.</summary>
    public ReadOnlySpan<int> Indices => _indices.AsSpan(0, NonZeros);

    /// <summary>The stored values.</summary>
    public ReadOnlySpan<float> Values => _values.AsSpan(0, NonZeros);

    /// <summary>Empties the batch (keeps the buffers).</summary>
    public void Clear() => Rows = 0;

    /// <summary>
    /// Appends one row given by its stored columns (ascending, in range) and values; the caller guarantees the
    /// contract (the data layer checked it when it read the rows).
    /// </summary>
    public void AppendRow(ReadOnlySpan<int> indices, ReadOnlySpan<float> values)
    {
        if (indices.Length != values.Length) throw new ArgumentException($"{indices.Length} indices for {values.Length} values.");
        int start = _rowStart[Rows];
        long end = (long)start + indices.Length;
        if (end > Array.MaxLength) throw new InvalidOperationException($"A sparse batch cannot hold more than {Array.MaxLength} values; use a smaller batch size.");
        if (_indices.Length < end)
        {
            int grown = (int)Math.Min(Array.MaxLength, Math.Max(end, 2L * _indices.Length));
            Array.Resize(ref _indices, grown);
            Array.Resize(ref _values, grown);
        }
        if (_rowStart.Length < Rows + 2) Array.Resize(ref _rowStart, Math.Max(Rows + 2, 2 * _rowStart.Length));
        indices.CopyTo(_indices.AsSpan(start));
        values.CopyTo(_values.AsSpan(start));
        Rows++;
        _rowStart[Rows] = (int)end;
    }

    /// <summary>Writes the rows as dense vectors into <paramref name="destination"/> (Rows × Columns floats).</summary>
    public void Densify(Span<float> destination)
    {
        destination = destination[..checked(Rows * Columns)];
        destination.Clear();
        for (int i = 0; i < Rows; i++)
        {
            var row = destination.Slice(i * Columns, Columns);
            for (int p = _rowStart[i]; p < _rowStart[i + 1]; p++) row[_indices[p]] = _values[p];
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"SparseBatch({Rows}×[{Columns}], {NonZeros} stored)";
}

using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Data;

/// <summary>
/// Feature rows in compressed sparse row (CSR) form, the sparse counterpart of <see cref="Dataset.Features"/>: row i's
/// stored values are <c>Values[RowOffsets[i] .. RowOffsets[i + 1])</c> at the columns <c>Indices[…]</c> (strictly
/// ascending, each in [0, <see cref="Columns"/>)); every other entry is zero. Offsets are 64-bit so the row count and
/// the row length never limit the total; the value and index arrays are .NET arrays, so one set holds at most
/// <see cref="Array.MaxLength"/> stored values (about 2.1 billion: 17 GB as values and indices).
/// <para>
/// Memory: 8 bytes per stored value (float + int32 column) + 8 per row, against 4 per entry densified — smaller
/// whenever fewer than half the entries are stored. ML.NET's text featurizer gives rows with a few hundred stored values
/// out of 10⁴–10⁶ columns.
/// </para>
/// </summary>
internal sealed class SparseFeatures
{
    /// <summary>Wraps CSR arrays (no copy), checking the contract.</summary>
    /// <exception cref="ArgumentException">The arrays break the CSR contract; the message names the row.</exception>
    public SparseFeatures(int columns, long[] rowOffsets, int[] indices, float[] values)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        ArgumentNullException.ThrowIfNull(rowOffsets);
        ArgumentNullException.ThrowIfNull(indices);
        ArgumentNullException.ThrowIfNull(values);
        if (rowOffsets.Length == 0 || rowOffsets[0] != 0) throw new ArgumentException("Row offsets must start with 0.", nameof(rowOffsets));
        long stored = rowOffsets[^1];
        if (indices.Length < stored || values.Length < stored)
            throw new ArgumentException($"The offsets end at {stored}, but there are {indices.Length} indices and {values.Length} values.");
        for (int r = 0; r + 1 < rowOffsets.Length; r++)
        {
            long from = rowOffsets[r], to = rowOffsets[r + 1];
            if (to < from) throw new ArgumentException($"Row {r}: offsets decrease ({from} → {to}).", nameof(rowOffsets));
            int previous = -1;
            for (long p = from; p < to; p++)
            {
                int c = indices[p];
                if (c <= previous || c >= columns)
                    throw new ArgumentException($"Row {r}: column {c} is {(c >= columns ? $"outside [0, {columns})" : $"not above the previous {previous}")}; columns must be strictly ascending.", nameof(indices));
                previous = c;
            }
        }
        Columns = columns;
        RowOffsets = rowOffsets;
        Indices = indices;
        Values = values;
    }

    /// <summary>Entries per row (the dense row length).</summary>
    public int Columns { get; }

    /// <summary>Number of rows.</summary>
    public int Count => RowOffsets.Length - 1;

    /// <summary>Row offsets, <see cref="Count"/> + 1 of them.</summary>
    public long[] RowOffsets { get; }

    /// <summary>The column of each stored value.</summary>
    public int[] Indices { get; }

    /// <summary>The stored values.</summary>
    public float[] Values { get; }

    /// <summary>Stored values in all rows.</summary>
    public long NonZeros => RowOffsets[^1];

    /// <summary>Stored values / (rows × columns): the fraction of entries kept.</summary>
    public double Density => Count == 0 ? 0 : (double)NonZeros / ((double)Count * Columns);

    /// <summary>Row <paramref name="row"/>'s stored columns and values.</summary>
    public (ReadOnlyMemory<int> Indices, ReadOnlyMemory<float> Values) Row(int row)
    {
        long from = RowOffsets[row];
        int length = (int)(RowOffsets[row + 1] - from);
        return (Indices.AsMemory((int)from, length), Values.AsMemory((int)from, length));
    }

    /// <summary>Writes row <paramref name="row"/> as a dense vector into <paramref name="destination"/> (<see cref="Columns"/> floats).</summary>
    public void Densify(int row, Span<float> destination)
    {
        destination = destination[..Columns];
        destination.Clear();
        for (long p = RowOffsets[row]; p < RowOffsets[row + 1]; p++) destination[Indices[p]] = Values[p];
    }

    /// <summary>Appends row <paramref name="row"/> to <paramref name="batch"/>.</summary>
    public void AppendTo(SparseBatch batch, int row)
    {
        var (indices, values) = Row(row);
        batch.AppendRow(indices.Span, values.Span);
    }

    /// <summary>The rows at <paramref name="rows"/>, in that order, as a new set.</summary>
    public SparseFeatures Select(IReadOnlyList<int> rows)
    {
        var offsets = new long[rows.Count + 1];
        for (int i = 0; i < rows.Count; i++) offsets[i + 1] = offsets[i] + RowOffsets[rows[i] + 1] - RowOffsets[rows[i]];
        var indices = new int[offsets[^1]];
        var values = new float[offsets[^1]];
        for (int i = 0; i < rows.Count; i++)
        {
            var (ri, rv) = Row(rows[i]);
            ri.Span.CopyTo(indices.AsSpan((int)offsets[i]));
            rv.Span.CopyTo(values.AsSpan((int)offsets[i]));
        }
        return new SparseFeatures(Columns, offsets, indices, values);
    }

    /// <summary>All rows written densely, row after row (rows × <see cref="Columns"/> floats).</summary>
    /// <exception cref="InsufficientMemoryException">The dense rows would exceed the largest .NET array.</exception>
    public float[] ToDense()
    {
        long length = (long)Count * Columns;
        if (length > Array.MaxLength)
            throw new InsufficientMemoryException($"{Count} rows of {Columns} features are {length:N0} floats densified, more than one array holds ({Array.MaxLength:N0}).");
        var dense = new float[length];
        for (int r = 0; r < Count; r++) Densify(r, dense.AsSpan((int)((long)r * Columns), Columns));
        return dense;
    }
}

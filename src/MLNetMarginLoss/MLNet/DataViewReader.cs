using System.Numerics.Tensors;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Data;
using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.MLNet;

/// <summary>
/// Reads an <see cref="IDataView"/> into the engine's contiguous representation (<see cref="Dataset"/>): one cursor
/// pass over the feature vector column (dense or sparse) and the key label column, checking every value on the
/// way. Class i is key value i + 1; class names are the text of the key's KeyValues annotation, else the key numbers
/// (the typed values are <see cref="LabelKeyValues"/>).
/// Errors name the data, the 1-based row and the column.
/// <para>
/// Sparse features (the trainer asks with <c>allowSparse</c>): the first <see cref="SparseSampleRows"/> rows decide.
/// When at least half of them come as sparse <see cref="VBuffer{T}"/>s and their non-zero entries are at most
/// <see cref="MaxSparseDensity"/> of all entries, every row is read into compressed sparse rows
/// (<see cref="SparseFeatures"/>, dense rows by their non-zeros) without ever being densified; otherwise the rows are
/// read densely as before. ML.NET's text featurizer gives sparse rows with about 1 % of their entries set or fewer;
/// image pixels (ExtractPixels) come as dense buffers and stay dense whatever their zeros.
/// </para>
/// </summary>
internal static class DataViewReader
{
    /// <summary>Reads <paramref name="data"/>; the label is read when <paramref name="labelColumn"/> is given and present.</summary>
    public static Dataset Read(IDataView data, string featureColumn, string? labelColumn, TensorShape shape, string source, bool requireLabels, bool allowSparse = false)
    {
        var schema = data.Schema;
        var featureCol = schema.GetColumnOrNull(featureColumn) ?? throw new ArgumentException($"{source}: there is no feature column '{featureColumn}'.");
        if (featureCol.Type is not VectorDataViewType { ItemType: NumberDataViewType nt, Size: var size } || nt != NumberDataViewType.Single || size != shape.Size)
            throw new ArgumentException($"{source}: feature column '{featureColumn}' is {featureCol.Type}, expected a vector of {shape.Size} Single values.");
        DataViewSchema.Column? labelCol = labelColumn is null ? null : schema.GetColumnOrNull(labelColumn);
        if (requireLabels && labelCol is null) throw new ArgumentException($"{source}: there is no label column '{labelColumn}'.");
        string[] classNames = [];
        if (labelCol is { } lc)
        {
            if (lc.Type is not KeyDataViewType key)
                throw new ArgumentException($"{source}: label column '{labelColumn}' is {lc.Type}, expected a key; add mlContext.Transforms.Conversion.MapValueToKey(\"{labelColumn}\").");
            classNames = KeyNames(lc, key);
        }

        int rowSize = shape.Size;
        var columns = labelCol is { } l ? new[] { featureCol, l } : new[] { featureCol };
        var reader = new RowReader(source, featureCol, labelCol, rowSize);
        if (allowSparse && PrefersSparse(data, featureCol))
            return new Dataset(ReadSparse(data, columns, reader, out var sparseLabels), shape, sparseLabels, labelCol is null ? null : classNames, source);
        long? rowCount = data.GetRowCount();
        if (rowCount is { } all && all * rowSize > Array.MaxLength) throw TooLargeForDenseRows(source, all, rowSize);
        if (rowCount is { } known && known >= ParallelRows
            && ReadParallel(data, columns, reader, (int)known) is { } parallel)
            return new Dataset(parallel.Features, shape, parallel.Labels, labelCol is null ? null : classNames, source);

        var features = new float[rowSize * 1024];
        var labels = labelCol is null ? null : new int[1024];
        using var cursor = data.GetRowCursor(columns);
        var row = reader.Bind(cursor);
        int n = 0;
        while (cursor.MoveNext())
        {
            if ((long)(n + 1) * rowSize > features.Length)
            {
                if ((long)(n + 1) * rowSize > Array.MaxLength) throw TooLargeForDenseRows(source, n + 1, rowSize);
                Array.Resize(ref features, (int)Math.Min(Array.MaxLength, Math.Max(2L * features.Length, (long)(n + 1) * rowSize)));
            }
            if (labels is not null && n >= labels.Length) Array.Resize(ref labels, labels.Length * 2);
            row(features, labels, n, n);
            n++;
        }
        if (features.Length != n * rowSize) Array.Resize(ref features, n * rowSize);
        if (labels is not null && labels.Length != n) Array.Resize(ref labels, n);
        return new Dataset(features, shape, labels, labelCol is null ? null : classNames, source);
    }

    /// <summary>
    /// The error for dense rows beyond one array (<see cref="Array.MaxLength"/> floats, 8 GB): the engine's dense dataset
    /// is one <c>float[]</c>, so rows × values per row must stay below 2³¹. Sparse rows have 64-bit offsets and no such
    /// limit; class centres and optimiser state (<see cref="RowMatrix"/>) have none either.
    /// </summary>
    internal static InvalidOperationException TooLargeForDenseRows(string source, long rows, int rowSize) => new(
        $"{source}: {rows:N0} rows of {rowSize:N0} values are {rows * rowSize:N0} floats, more than the {Array.MaxLength:N0} one dense " +
        "in-memory dataset holds. Train on fewer rows (mlContext.Data.TakeRows) or with fewer " +
        "values per row (a smaller image, a feature selection); sparse feature columns (FeaturizeText) are read as sparse rows without this limit.");

    /// <summary>Views with at least this many rows are read by one cursor per core.</summary>
    private const int ParallelRows = 16_384;

    /// <summary>The rows that decide between sparse and dense reading (the first ones).</summary>
    internal const int SparseSampleRows = 1024;

    /// <summary>
    /// The largest share of non-zero entries read as sparse rows. CSR needs 8 bytes per stored value against 4 per
    /// entry dense, so it is smaller below 50 %; the sparse product does O(stored) scalar work against the dense GEMM's
    /// O(entries) SIMD work, and measured (benchmarks' sparse-quick: batch 256, 16,384 → 512, one thread) it is 4–5×
    /// faster at 0.2 % stored, level to 1.9× faster at 1 % and 2–3× slower at 5 %. Up to 2 % both memory and time favour
    /// sparse rows (FeaturizeText gave 0.4 % and 1.0 % on the two text sets here).
    /// </summary>
    internal const double MaxSparseDensity = 0.02;

    /// <summary>The rule above, on the first <see cref="SparseSampleRows"/> rows of the feature column.</summary>
    private static bool PrefersSparse(IDataView data, DataViewSchema.Column featureCol)
    {
        using var cursor = data.GetRowCursor([featureCol]);
        var get = cursor.GetGetter<VBuffer<float>>(featureCol);
        var buffer = default(VBuffer<float>);
        long rows = 0, sparseRows = 0, nonZeros = 0;
        while (rows < SparseSampleRows && cursor.MoveNext())
        {
            get(ref buffer);
            rows++;
            if (!buffer.IsDense) sparseRows++;
            foreach (float v in buffer.GetValues()) if (v != 0) nonZeros++;
        }
        return rows > 0 && 2 * sparseRows >= rows && nonZeros <= MaxSparseDensity * rows * buffer.Length;
    }

    /// <summary>Reads every row into compressed sparse rows with one cursor, checking values and labels as the dense readers do.</summary>
    private static SparseFeatures ReadSparse(IDataView data, DataViewSchema.Column[] columns, RowReader reader, out int[]? labels)
    {
        var builder = new SparseFeaturesBuilder(reader.RowSize);
        labels = reader.HasLabel ? new int[1024] : null;
        using var cursor = data.GetRowCursor(columns);
        var row = reader.BindSparse(cursor, builder);
        while (cursor.MoveNext())
        {
            int n = builder.Count;
            if (labels is not null && n >= labels.Length) Array.Resize(ref labels, checked(labels.Length * 2));
            row(labels, n);
        }
        if (labels is not null && labels.Length != builder.Count) Array.Resize(ref labels, builder.Count);
        return builder.Build();
    }

    /// <summary>
    /// Reads with one cursor per core (ML.NET's cursor set), placing each row at its row id. Only used when every id
    /// is a distinct position in [0, rows) — true for in-memory sources and the row-to-row transforms over them — so
    /// the result is exactly the sequential read; otherwise returns null and the caller reads sequentially.
    /// </summary>
    private static (float[] Features, int[]? Labels)? ReadParallel(IDataView data, DataViewSchema.Column[] columns, RowReader reader, int rows)
    {
        var cursors = data.GetRowCursorSet(columns, Environment.ProcessorCount);
        try
        {
            if (cursors.Length < 2) return null;
            var features = new float[(long)rows * reader.RowSize];
            var labels = reader.HasLabel ? new int[rows] : null;
            var placed = new bool[rows];
            int outOfPlace = 0;
            var errors = new ArgumentException?[cursors.Length];
            var errorRows = new long[cursors.Length];
            Parallel.For(0, cursors.Length, new ParallelOptions { MaxDegreeOfParallelism = cursors.Length }, c =>
            {
                var cursor = cursors[c];
                var row = reader.Bind(cursor);
                var id = cursor.GetIdGetter();
                var rowId = default(DataViewRowId);
                while (Volatile.Read(ref outOfPlace) == 0 && cursor.MoveNext())
                {
                    id(ref rowId);
                    if (rowId.High != 0 || rowId.Low >= (ulong)rows || Interlocked.Exchange(ref placed[(int)rowId.Low], true))
                    {
                        Volatile.Write(ref outOfPlace, 1);
                        return;
                    }
                    int at = (int)rowId.Low;
                    try { row(features, labels, at, at); }
                    catch (ArgumentException e) when (errors[c] is null) { errors[c] = e; errorRows[c] = at; return; }
                }
            });
            if (outOfPlace != 0) return null;
            int first = -1;
            for (int c = 0; c < errors.Length; c++)
                if (errors[c] is not null && (first < 0 || errorRows[c] < errorRows[first])) first = c;
            if (first >= 0) throw errors[first]!;
            return Array.IndexOf(placed, false) >= 0 ? null : (features, labels);
        }
        finally
        {
            foreach (var c in cursors) c.Dispose();
        }
    }

    /// <summary>Copies one cursor row into the arrays at a position, checking its values.</summary>
    private delegate void RowCopy(float[] features, int[]? labels, int position, long reportedRow);

    /// <summary>Appends one cursor row to a sparse builder and its label at <paramref name="position"/> (= the row's index), checking its values.</summary>
    private delegate void SparseRowCopy(int[]? labels, int position);

    /// <summary>The per-row work of both readers: copy the features (dense or sparse), check them, map the key.</summary>
    private sealed class RowReader(string source, DataViewSchema.Column featureCol, DataViewSchema.Column? labelCol, int rowSize)
    {
        public int RowSize => rowSize;

        public bool HasLabel => labelCol is not null;

        public SparseRowCopy BindSparse(DataViewRowCursor cursor, SparseFeaturesBuilder builder)
        {
            var getFeatures = cursor.GetGetter<VBuffer<float>>(featureCol);
            ValueGetter<uint>? getLabel = labelCol is { } lcol ? cursor.GetGetter<uint>(lcol) : null;
            var buffer = default(VBuffer<float>);
            uint label = 0;
            return (labels, position) =>
            {
                getFeatures(ref buffer);
                var values = buffer.GetValues();
                if (!TensorPrimitives.IsFiniteAll(values))
                {
                    int p = 0;
                    while (float.IsFinite(values[p])) p++;
                    int slot = buffer.IsDense ? p : buffer.GetIndices()[p];
                    throw new ArgumentException($"{source}: row {position + 1}, column '{featureCol.Name}' slot {slot}{SlotName(featureCol, slot)}: expected a finite number, found {values[p]}.");
                }
                if (buffer.IsDense) builder.AppendDense(values);
                else builder.AppendSparse(buffer.GetIndices(), values);
                if (getLabel is not null) labels![position] = ReadLabel(getLabel, ref label, position);
            };
        }

        public RowCopy Bind(DataViewRowCursor cursor)
        {
            var getFeatures = cursor.GetGetter<VBuffer<float>>(featureCol);
            ValueGetter<uint>? getLabel = labelCol is { } lcol ? cursor.GetGetter<uint>(lcol) : null;
            var buffer = default(VBuffer<float>);
            uint label = 0;
            return (features, labels, position, reportedRow) =>
            {
                getFeatures(ref buffer);
                var row = features.AsSpan((int)((long)position * rowSize), rowSize);
                if (buffer.IsDense) buffer.GetValues().CopyTo(row);
                else { row.Clear(); var idx = buffer.GetIndices(); var val = buffer.GetValues(); for (int j = 0; j < idx.Length; j++) row[idx[j]] = val[j]; }
                if (!TensorPrimitives.IsFiniteAll(row))
                {
                    int j = 0;
                    while (float.IsFinite(row[j])) j++;
                    throw new ArgumentException($"{source}: row {reportedRow + 1}, column '{featureCol.Name}' slot {j}{SlotName(featureCol, j)}: expected a finite number, found {row[j]}.");
                }
                if (getLabel is not null)
                {
                    getLabel(ref label);
                    if (label == 0)
                        throw new ArgumentException($"{source}: row {reportedRow + 1}, column '{labelCol!.Value.Name}': the label is missing (key 0: a value the MapValueToKey transformer did not know); remove such rows or fit MapValueToKey on data that has every label.");
                    labels![position] = (int)label - 1;
                }
            };
        }

        /// <summary>The row's class index (key − 1); key 0 (missing) is an error naming the row (the dense copy's message).</summary>
        private int ReadLabel(ValueGetter<uint> getLabel, ref uint label, long reportedRow)
        {
            getLabel(ref label);
            if (label == 0)
                throw new ArgumentException($"{source}: row {reportedRow + 1}, column '{labelCol!.Value.Name}': the label is missing (key 0: a value the MapValueToKey transformer did not know); remove such rows or fit MapValueToKey on data that has every label.");
            return (int)label - 1;
        }
    }

    /// <summary>The key's values as text (its KeyValues annotation, see <see cref="LabelKeyValues.Read"/>), else "1", "2", … (the key numbers).</summary>
    public static string[] KeyNames(DataViewSchema.Column column, KeyDataViewType key) => LabelKeyValues.Read(column).Names.ToArray();

    private static string SlotName(DataViewSchema.Column column, int slot)
    {
        if (column.Annotations.Schema.GetColumnOrNull("SlotNames") is null) return "";
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        column.Annotations.GetValue("SlotNames", ref names);
        var dense = names.DenseValues().ElementAtOrDefault(slot).ToString();
        return string.IsNullOrEmpty(dense) ? "" : $" ('{dense}')";
    }
}

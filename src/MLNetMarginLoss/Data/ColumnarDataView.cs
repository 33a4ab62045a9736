using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetMarginLoss;

/// <summary>
/// A read-only <see cref="IDataView"/> over columns that live in memory: each column is a name, a type, optional
/// annotations and a function that writes the value of a given row. Cursors walk the rows in order, or in a random
/// permutation when ML.NET asks for a shuffled cursor. No rows are copied or buffered; a getter fills the caller's
/// buffer from the backing arrays for the current row only.
/// </summary>
internal sealed class ColumnarDataView : IDataView
{
    private readonly ColumnSource[] _columns;
    private readonly int _rowCount;

    /// <summary>Fills <paramref name="value"/> with the value of row <paramref name="row"/>.</summary>
    internal delegate void RowValue<T>(int row, ref T value);

    /// <summary>One column: its name, type, annotations and row getter.</summary>
    internal abstract class ColumnSource(string name, DataViewType type, Action<DataViewSchema.Annotations.Builder>? annotations)
    {
        public string Name { get; } = name;
        public DataViewType Type { get; } = type;
        public Action<DataViewSchema.Annotations.Builder>? Annotations { get; } = annotations;
        public abstract Type ValueType { get; }
        public abstract Delegate MakeGetter(Cursor cursor);
    }

    /// <summary>A column whose values are of .NET type <typeparamref name="T"/>.</summary>
    internal sealed class ColumnSource<T>(string name, DataViewType type, RowValue<T> value, Action<DataViewSchema.Annotations.Builder>? annotations = null)
        : ColumnSource(name, type, annotations)
    {
        public override Type ValueType => typeof(T);

        public override Delegate MakeGetter(Cursor cursor)
        {
            ValueGetter<T> getter = (ref T dst) =>
            {
                int row = cursor.Row;
                if (row < 0) throw new InvalidOperationException($"Column '{Name}': the cursor is not on a row (call MoveNext first).");
                value(row, ref dst);
            };
            return getter;
        }
    }

    public ColumnarDataView(int rowCount, params ColumnSource[] columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rowCount);
        ArgumentNullException.ThrowIfNull(columns);
        var builder = new DataViewSchema.Builder();
        foreach (var column in columns)
        {
            DataViewSchema.Annotations? annotations = null;
            if (column.Annotations is not null)
            {
                var ab = new DataViewSchema.Annotations.Builder();
                column.Annotations(ab);
                annotations = ab.ToAnnotations();
            }
            builder.AddColumn(column.Name, column.Type, annotations);
        }
        Schema = builder.ToSchema();
        _columns = columns;
        _rowCount = rowCount;
    }

    public DataViewSchema Schema { get; }

    public bool CanShuffle => true;

    public long? GetRowCount() => _rowCount;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var (active, order) = Prepare(columnsNeeded, rand);
        return new Cursor(this, active, order, 0, _rowCount, 0);
    }

    /// <summary>
    /// Up to <paramref name="n"/> cursors over disjoint contiguous ranges of the rows (of the permutation, when
    /// shuffled), so consumers such as the trainer's reader can read on several threads; row ids are the backing row
    /// indices.
    /// </summary>
    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        var (active, order) = Prepare(columnsNeeded, rand);
        int count = (int)Math.Clamp(Math.Min(n, _rowCount / 1024), 1, Math.Max(1, n));
        var cursors = new DataViewRowCursor[count];
        for (int i = 0; i < count; i++)
            cursors[i] = new Cursor(this, active, order, _rowCount * i / count, _rowCount * (i + 1) / count, i);
        return cursors;
    }

    private (bool[] Active, int[]? Order) Prepare(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand)
    {
        ArgumentNullException.ThrowIfNull(columnsNeeded);
        var active = new bool[_columns.Length];
        foreach (var column in columnsNeeded)
        {
            if ((uint)column.Index >= (uint)active.Length || Schema[column.Index].Name != column.Name)
                throw new ArgumentException($"Column '{column.Name}' (#{column.Index}) is not a column of this data view.", nameof(columnsNeeded));
            active[column.Index] = true;
        }
        int[]? order = null;
        if (rand is not null)
        {
            order = new int[_rowCount];
            for (int i = 0; i < order.Length; i++) order[i] = i;
            rand.Shuffle(order);
        }
        return (active, order);
    }

    /// <summary>A cursor over the rows [start, end) of the order (the rows themselves, or a fixed permutation).</summary>
    internal sealed class Cursor : DataViewRowCursor
    {
        private readonly ColumnarDataView _view;
        private readonly bool[] _active;
        private readonly int[]? _order;
        private readonly long _start, _end, _batch;
        private readonly Delegate?[] _getters;
        private long _position = -1;
        private bool _disposed;

        internal Cursor(ColumnarDataView view, bool[] active, int[]? order, long start, long end, long batch)
        {
            _view = view;
            _active = active;
            _order = order;
            _start = start;
            _end = end;
            _batch = batch;
            _getters = new Delegate?[view._columns.Length];
        }

        /// <summary>The backing row the cursor is on; −1 before the first row and after the last.</summary>
        internal int Row { get; private set; } = -1;

        public override DataViewSchema Schema => _view.Schema;

        public override long Position => _position;

        public override long Batch => _batch;

        public override bool MoveNext()
        {
            if (_disposed || _start + _position + 1 >= _end)
            {
                Row = -1;
                if (!_disposed) _position = _end - _start;
                return false;
            }
            _position++;
            long at = _start + _position;
            Row = _order is null ? (int)at : _order[at];
            return true;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) =>
        {
            if (Row < 0) throw new InvalidOperationException("The cursor is not on a row (call MoveNext first).");
            id = new DataViewRowId((ulong)Row, 0);
        };

        public override bool IsColumnActive(DataViewSchema.Column column) =>
            (uint)column.Index < (uint)_active.Length && _active[column.Index];

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if ((uint)column.Index >= (uint)_active.Length)
                throw new ArgumentOutOfRangeException(nameof(column), $"Column #{column.Index} is not a column of this data view.");
            if (!_active[column.Index])
                throw new InvalidOperationException($"Column '{column.Name}' was not requested when the cursor was made.");
            var source = _view._columns[column.Index];
            if (source.ValueType != typeof(TValue))
                throw new InvalidOperationException($"Column '{column.Name}' ({source.Type}) holds {source.ValueType.Name} values, not {typeof(TValue).Name}.");
            return (ValueGetter<TValue>)(_getters[column.Index] ??= source.MakeGetter(this));
        }

        protected override void Dispose(bool disposing)
        {
            if (_disposed) return;
            _disposed = true;
            Row = -1;
            base.Dispose(disposing);
        }
    }
}

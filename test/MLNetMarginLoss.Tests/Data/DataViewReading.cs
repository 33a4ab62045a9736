using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetMarginLoss.Tests.Data;

/// <summary>Reads columns of an <see cref="IDataView"/> through a cursor, as a trainer would.</summary>
internal static class DataViewReading
{
    /// <summary>Every row's vector, concatenated into one array.</summary>
    public static float[] ReadVectors(IDataView view, string column = "Features")
    {
        var col = view.Schema[column];
        int size = col.Type is VectorDataViewType { Size: > 0 } v ? v.Size : throw new AssertFailedException($"{column} is {col.Type}, not a known-size vector");
        long rows = view.GetRowCount() ?? throw new AssertFailedException("row count unknown");
        var result = new float[rows * size];
        using var cursor = view.GetRowCursor([col]);
        var getter = cursor.GetGetter<VBuffer<float>>(col);
        VBuffer<float> buffer = default;
        long offset = 0;
        while (cursor.MoveNext())
        {
            getter(ref buffer);
            buffer.GetValues().CopyTo(result.AsSpan((int)offset, size));
            offset += size;
        }
        Assert.AreEqual(result.Length, offset, "the cursor visited every row once");
        return result;
    }

    /// <summary>The raw key values of a key column (class k is key k + 1).</summary>
    public static uint[] ReadKeys(IDataView view, string column = "Label") => [.. view.GetColumn<uint>(column)];

    /// <summary>The text values of a column.</summary>
    public static string[] ReadStrings(IDataView view, string column) => [.. view.GetColumn<string>(column)];

    /// <summary>A key column's KeyValues annotation.</summary>
    public static string[] KeyValues(IDataView view, string column = "Label")
    {
        VBuffer<ReadOnlyMemory<char>> names = default;
        view.Schema[column].GetKeyValues(ref names);
        return [.. names.DenseValues().Select(n => n.ToString())];
    }
}

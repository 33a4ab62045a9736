namespace MLNetMarginLoss.Engine;

/// <summary>
/// A batch of samples in one contiguous, row-major float buffer: <see cref="Rows"/> samples of
/// <see cref="Shape"/> each. The buffer can be larger than the data (it is reused across batches of
/// different sizes without reallocating); only the first <see cref="Length"/> floats are meaningful.
/// </summary>
internal sealed class Tensor
{
    private float[] _data;

    /// <summary>Creates a tensor of <paramref name="rows"/> samples of <paramref name="shape"/>, zero-filled.</summary>
    public Tensor(int rows, TensorShape shape)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        Rows = rows;
        Shape = shape;
        _data = new float[checked(rows * shape.Size)];
    }

    /// <summary>Wraps an existing buffer (no copy). The buffer must hold at least rows × shape.Size floats.</summary>
    public Tensor(float[] data, int rows, TensorShape shape)
    {
        if (data.Length < (long)rows * shape.Size)
            throw new ArgumentException($"Buffer of {data.Length} floats cannot hold {rows} samples of {shape}.", nameof(data));
        _data = data;
        Rows = rows;
        Shape = shape;
    }

    /// <summary>The underlying buffer (may be longer than <see cref="Length"/>).</summary>
    public float[] Data => _data;

    /// <summary>Number of samples in the batch.</summary>
    public int Rows { get; private set; }

    /// <summary>The shape of one sample.</summary>
    public TensorShape Shape { get; private set; }

    /// <summary>Floats per sample.</summary>
    public int RowSize => Shape.Size;

    /// <summary>Number of meaningful floats: Rows × RowSize.</summary>
    public int Length => Rows * Shape.Size;

    /// <summary>The meaningful part of the buffer.</summary>
    public Span<float> Span => _data.AsSpan(0, Length);

    /// <summary>One sample's floats.</summary>
    public Span<float> Row(int i) => _data.AsSpan(i * RowSize, RowSize);

    /// <summary>
    /// Sets the batch size and sample shape, growing the buffer only when it is too small.
    /// Contents are unspecified afterwards (not cleared).
    /// </summary>
    public void Reshape(int rows, TensorShape shape)
    {
        int needed = checked(rows * shape.Size);
        if (_data.Length < needed) _data = new float[needed];
        Rows = rows;
        Shape = shape;
    }

    /// <summary>Sets all meaningful floats to zero.</summary>
    public void Clear() => Span.Clear();

    /// <summary>A deep copy holding exactly <see cref="Length"/> floats.</summary>
    public Tensor Clone()
    {
        var t = new Tensor(Rows, Shape);
        Span.CopyTo(t.Span);
        return t;
    }

    /// <summary>A tensor of <paramref name="rows"/> samples of flat vectors, copying <paramref name="values"/>.</summary>
    public static Tensor FromRows(float[] values, int rows)
    {
        if (rows <= 0 || values.Length % rows != 0)
            throw new ArgumentException($"{values.Length} values do not split into {rows} equal rows.", nameof(values));
        var t = new Tensor(rows, TensorShape.Vector(values.Length / rows));
        values.AsSpan().CopyTo(t.Span);
        return t;
    }

    /// <inheritdoc />
    public override string ToString() => $"Tensor({Rows}×{Shape})";
}

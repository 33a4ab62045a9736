using MLNetMarginLoss.Data;
using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Training;

/// <summary>
/// Gathers the rows of a dataset named by an index order into one reusable batch tensor and label buffer.
/// </summary>
internal sealed class BatchFeeder
{
    private readonly Dataset _data;
    private readonly Tensor _batch;
    private readonly int[] _labels;

    public BatchFeeder(Dataset data, int batchSize)
    {
        _data = data;
        _batch = new Tensor(batchSize, data.FeatureShape);
        _labels = new int[batchSize];
    }

    /// <summary>Fills the batch with rows order[start..start+count) and returns it.</summary>
    public Tensor Gather(ReadOnlySpan<int> order, int start, int count)
    {
        _batch.Reshape(count, _data.FeatureShape);
        int size = _data.RowSize;
        var dst = _batch.Span;
        var labels = _data.Labels;
        for (int i = 0; i < count; i++)
        {
            int row = order[start + i];
            _data.Features.AsSpan(row * size, size).CopyTo(dst.Slice(i * size, size));
            if (labels is not null) _labels[i] = labels[row];
        }
        return _batch;
    }

    /// <summary>Fills the batch with consecutive rows [start, start+count) and returns it.</summary>
    public Tensor Slice(int start, int count)
    {
        _batch.Reshape(count, _data.FeatureShape);
        int size = _data.RowSize;
        _data.Features.AsSpan(start * size, count * size).CopyTo(_batch.Span);
        if (_data.Labels is not null) _data.Labels.AsSpan(start, count).CopyTo(_labels);
        return _batch;
    }

    /// <summary>Labels of the last gathered batch (only meaningful when the dataset has labels).</summary>
    public ReadOnlySpan<int> Labels => _labels.AsSpan(0, _batch.Rows);
}

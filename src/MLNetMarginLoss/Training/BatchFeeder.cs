using MLNetMarginLoss.Data;
using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Training;

/// <summary>
/// Gathers the rows of a dataset named by an index order into one reusable batch tensor and label buffer; a dataset of
/// sparse rows (<see cref="Dataset.IsSparse"/>) is gathered into a reusable <see cref="SparseBatch"/> instead
/// (<see cref="GatherSparse"/>, <see cref="SliceSparse"/>), never densified.
/// </summary>
internal sealed class BatchFeeder
{
    private readonly Dataset _data;
    private readonly Tensor _batch;
    private readonly int[] _labels;
    private readonly SparseBatch? _sparse;
    private readonly ImageAugmentation? _augmentation;
    private int _rows;

    /// <summary>A feeder; <paramref name="augmentation"/>, when given, is applied to every sample <see cref="Gather"/> copies.</summary>
    /// <exception cref="ArgumentException">Augmentation was asked for flat vectors or for sparse rows.</exception>
    public BatchFeeder(Dataset data, int batchSize, ImageAugmentation? augmentation = null)
    {
        _data = data;
        _batch = new Tensor(data.IsSparse ? 0 : batchSize, data.FeatureShape);
        _sparse = data.IsSparse ? new SparseBatch(data.RowSize) : null;
        _labels = new int[batchSize];
        _augmentation = augmentation is { IsIdentity: false } ? augmentation : null;
        if (_augmentation is not null && data.IsSparse)
            throw new ArgumentException($"{data.Source}: image augmentation cannot be applied to sparse feature rows ({data.RowSize} features, {data.Sparse!.Density:P2} stored, e.g. FeaturizeText's output); set Options.Augmentation to null for this data.");
        if (_augmentation is not null && data.FeatureShape.IsVector)
            throw new ArgumentException($"{data.Source}: augmentation needs image samples [C, H, W], the rows are flat vectors of {data.RowSize}; set Options.ImageShape.");
    }

    /// <summary>True when the dataset holds sparse rows: use <see cref="GatherSparse"/> and <see cref="SliceSparse"/>.</summary>
    public bool IsSparse => _sparse is not null;

    /// <summary>Draws the augmentation's random numbers (set once per epoch, from the trainer's seed and the epoch).</summary>
    public SeededRandom? AugmentationRandom { get; set; }

    /// <summary>Fills the batch with rows order[start..start+count) and returns it.</summary>
    public Tensor Gather(ReadOnlySpan<int> order, int start, int count)
    {
        ExpectDense();
        _rows = count;
        _batch.Reshape(count, _data.FeatureShape);
        int size = _data.RowSize;
        var dst = _batch.Span;
        var labels = _data.Labels;
        for (int i = 0; i < count; i++)
        {
            int row = order[start + i];
            var sample = dst.Slice(i * size, size);
            _data.Features.AsSpan(row * size, size).CopyTo(sample);
            if (_augmentation is not null)
            {
                var s = _data.FeatureShape;
                _augmentation.Apply(sample, s.Channels, s.Height, s.Width, AugmentationRandom ?? throw new InvalidOperationException("Set AugmentationRandom before gathering augmented batches."));
            }
            if (labels is not null) _labels[i] = labels[row];
        }
        return _batch;
    }

    /// <summary>Fills the batch with consecutive rows [start, start+count) and returns it.</summary>
    public Tensor Slice(int start, int count)
    {
        ExpectDense();
        _rows = count;
        _batch.Reshape(count, _data.FeatureShape);
        int size = _data.RowSize;
        _data.Features.AsSpan(start * size, count * size).CopyTo(_batch.Span);
        if (_data.Labels is not null) _data.Labels.AsSpan(start, count).CopyTo(_labels);
        return _batch;
    }

    /// <summary>Fills the sparse batch with rows order[start..start+count) and returns it.</summary>
    public SparseBatch GatherSparse(ReadOnlySpan<int> order, int start, int count)
    {
        var batch = ExpectSparse();
        batch.Clear();
        var labels = _data.Labels;
        for (int i = 0; i < count; i++)
        {
            int row = order[start + i];
            _data.Sparse!.AppendTo(batch, row);
            if (labels is not null) _labels[i] = labels[row];
        }
        _rows = count;
        return batch;
    }

    /// <summary>Fills the sparse batch with consecutive rows [start, start+count) and returns it.</summary>
    public SparseBatch SliceSparse(int start, int count)
    {
        var batch = ExpectSparse();
        batch.Clear();
        for (int i = 0; i < count; i++) _data.Sparse!.AppendTo(batch, start + i);
        if (_data.Labels is not null) _data.Labels.AsSpan(start, count).CopyTo(_labels);
        _rows = count;
        return batch;
    }

    /// <summary>Labels of the last gathered batch (only meaningful when the dataset has labels).</summary>
    public ReadOnlySpan<int> Labels => _labels.AsSpan(0, _rows);

    private void ExpectDense()
    {
        if (_sparse is not null) throw new InvalidOperationException($"{_data.Source} holds sparse rows; gather them with GatherSparse or SliceSparse.");
    }

    private SparseBatch ExpectSparse() => _sparse ?? throw new InvalidOperationException($"{_data.Source} holds dense rows; gather them with Gather or Slice.");
}

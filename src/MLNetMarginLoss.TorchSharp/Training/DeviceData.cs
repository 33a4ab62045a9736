using MLNetMarginLoss.Data;
using SeededRandom = MLNetMarginLoss.Engine.SeededRandom;
using MLNetMarginLoss.TorchBackend.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetMarginLoss.TorchBackend.Training;

/// <summary>
/// A data set as the device sees it: either resident (features [N, C, H, W] and int64 labels uploaded once, batches
/// gathered on the device by index) or on the host (each batch gathered into one block and uploaded without waiting).
/// Sparse rows (<see cref="Dataset.IsSparse"/>) are never resident: each batch is densified on the host into its block
/// (batch × features floats) and uploaded, so the device holds one dense batch at a time, never the whole set.
/// </summary>
internal sealed class DeviceData : IDisposable
{
    private readonly Dataset _data;
    private readonly Device _device;
    private readonly long[] _sampleShape;
    private readonly Tensor? _features;
    private readonly Tensor? _labels;
    private readonly ImageAugmentation? _augmentation;

    public DeviceData(Dataset data, Device device, bool resident, ImageAugmentation? augmentation = null)
    {
        _data = data;
        _device = device;
        _augmentation = augmentation is { IsIdentity: false } ? augmentation : null;
        if (_augmentation is not null && data.FeatureShape.IsVector)
            throw new ArgumentException($"{data.Source}: augmentation needs image samples [C, H, W], the rows are flat vectors of {data.RowSize}; set Options.ImageShape.");
        if (_augmentation is not null && resident)
            throw new InvalidOperationException("Augmented data is gathered on the host; it cannot be resident on the device.");
        if (_augmentation is not null && data.IsSparse)
            throw new ArgumentException($"{data.Source}: image augmentation cannot be applied to sparse feature rows ({data.RowSize} features); set Options.Augmentation to null for this data.");
        if (resident && data.IsSparse)
            throw new InvalidOperationException("Sparse rows are densified batch by batch on the host; they cannot be resident on the device.");
        var s = data.FeatureShape;
        _sampleShape = [s.Channels, s.Height, s.Width];
        Resident = resident;
        if (!resident) return;
        _features = tensor(data.Features, [data.Count, .. _sampleShape], ScalarType.Float32, device);
        _labels = data.Labels is null ? null : tensor(data.Labels.Select(l => (long)l).ToArray(), ScalarType.Int64, device);
    }

    /// <summary>Draws the augmentation's random numbers (set once per epoch, from the trainer's seed and the epoch).</summary>
    public SeededRandom? AugmentationRandom { get; set; }

    /// <summary>True when the whole set lives on the device.</summary>
    public bool Resident { get; }

    /// <summary>Rows.</summary>
    public int Count => _data.Count;

    /// <summary>The rows named by <paramref name="indices"/> (int64 on the device); resident sets only.</summary>
    public (Tensor Features, Tensor Labels) Gather(Tensor indices) =>
        (_features!.index_select(0, indices), _labels!.index_select(0, indices));

    /// <summary>The rows named by <paramref name="rows"/>, gathered on the host and uploaded.</summary>
    public (Tensor Features, Tensor Labels) Gather(ReadOnlySpan<int> rows)
    {
        int size = _data.RowSize;
        var block = new float[rows.Length * size];
        var labels = new long[rows.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            var sample = block.AsSpan(i * size, size);
            CopyRow(rows[i], sample);
            if (_augmentation is not null)
            {
                var s = _data.FeatureShape;
                _augmentation.Apply(sample, s.Channels, s.Height, s.Width, AugmentationRandom ?? throw new InvalidOperationException("Set AugmentationRandom before gathering augmented batches."));
            }
            labels[i] = _data.Labels is null ? 0 : _data.Labels[rows[i]];
        }
        return (DeviceUpload.Floats(block, [rows.Length, .. _sampleShape], _device), DeviceUpload.Longs(labels, _device));
    }

    /// <summary>The consecutive rows [start, start + count).</summary>
    public (Tensor Features, Tensor Labels) Slice(int start, int count)
    {
        if (Resident) return (_features!.narrow(0, start, count), _labels is null ? zeros(count, ScalarType.Int64, _device) : _labels.narrow(0, start, count));
        int size = _data.RowSize;
        var block = new float[count * size];
        for (int i = 0; i < count; i++) CopyRow(start + i, block.AsSpan(i * size, size));
        var labels = new long[count];
        if (_data.Labels is not null) for (int i = 0; i < count; i++) labels[i] = _data.Labels[start + i];
        return (DeviceUpload.Floats(block, [count, .. _sampleShape], _device), DeviceUpload.Longs(labels, _device));
    }

    /// <summary>Row <paramref name="row"/>'s features, dense (a sparse row is densified).</summary>
    private void CopyRow(int row, Span<float> destination)
    {
        if (_data.Sparse is { } sparse) sparse.Densify(row, destination);
        else _data.Features.AsSpan(row * _data.RowSize, _data.RowSize).CopyTo(destination);
    }

    public void Dispose()
    {
        _features?.Dispose();
        _labels?.Dispose();
    }
}

using MLNetMarginLoss.Data;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Optimizers;
using MLNetMarginLoss.Heads;
using MLNetMarginLoss.TorchBackend.Modules;
using MLNetMarginLoss.Training;
using TorchSharp;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace MLNetMarginLoss.TorchBackend.Training;

/// <summary>
/// TorchSharp's <see cref="TrainingSession"/>: twins of the loop's encoder and head on the device (the engine objects'
/// weights copied in, copied back by <see cref="PushToEngine"/>), autograd for the gradients, TorchSharp's optimizers
/// for the dense parameters and <see cref="TorchRowOptimizer"/> for the class centres' rows (with Partial FC, the
/// columns are sampled on the host by the engine head's own sampler, so both backends see the same classes).
/// <para>
/// Device traffic: the training and validation sets are uploaded once when they fit
/// <see cref="TorchSharpBackend.MaxDeviceDataBytes"/> (batches are then gathered on the device by index), else each
/// batch is gathered on the host and uploaded without waiting; sparse rows are always densified batch by batch on the
/// host (torch.sparse would save the upload but not the [hidden, features] weight, and densifying one batch is cheap
/// next to its GEMM). Per-batch losses and counts stay on the device and are read when the loop asks (every
/// <see cref="DivergenceCheckInterval"/> batches, after every batch when progress is reported per batch, and at the end
/// of the epoch).
/// </para>
/// </summary>
internal sealed class TorchSession : TrainingSession
{
    private const int EvaluationBatch = 512;

    private readonly Device _device;
    private readonly string _deviceName;
    private readonly TorchEncoder _encoder;
    private readonly TorchHead _head;
    private readonly TorchOptimizer _optimizer;
    private readonly TorchRowOptimizer? _centres;
    private readonly DeviceData _trainData;
    private readonly DeviceData? _validationData;
    private readonly PartialFcSampler? _sampler;
    private int[] _columns = [];
    private int[] _columnLabels = [];
    private Tensor? _loss, _lossWithoutMargin, _correct, _correctWithoutMargin;
    private long[] _counts = [];
    private bool _margin = true;

    public TorchSession(TrainingSetup setup, Device device, string deviceName, long maxDeviceDataBytes) : base(setup)
    {
        _device = device;
        _deviceName = deviceName;
        var s = setup.Settings;
        _encoder = new TorchEncoder(Encoder, device);
        _head = TorchHead.Create(Head, device);
        _optimizer = new TorchOptimizer(s,
        [
            (1f, _encoder.PairParameters(Encoder)),
            (s.HeadLearningRateMultiplier, _head.PairParameters(Head)),
        ]);
        if (_head is TorchCosineHead cosine) _centres = new TorchRowOptimizer(s, cosine.Weight);
        _sampler = (Head as CosineMarginHead)?.Sampler;
        var train = setup.Train;
        var validation = setup.Validation;
        long bytes = ((long)train.Count * train.RowSize + (validation is null ? 0 : (long)validation.Count * validation.RowSize)) * sizeof(float);
        bool resident = bytes <= maxDeviceDataBytes;
        // Augmented batches are made on the host, sample by sample, exactly as the engine makes them; sparse rows are
        // densified on the host one batch at a time (the whole set densified is what sparse reading avoids).
        _trainData = new DeviceData(train, device, resident && s.Augmentation is not { IsIdentity: false } && !train.IsSparse, s.Augmentation);
        _validationData = validation is null ? null : new DeviceData(validation, device, resident && !validation.IsSparse);
    }

    /// <inheritdoc />
    public override int DivergenceCheckInterval => 50;

    /// <inheritdoc />
    public override void BeginEpoch(int epoch, int batches, SeededRandom random, bool marginActive)
    {
        _encoder.SeedRandomness(random.Fork());
        _head.SeedRandomness(random.Fork());
        _trainData.AugmentationRandom = random.Fork(); // the engine's fork order: shuffle, encoder, head, augmentation
        _head.MarginEnabled = marginActive;
        _margin = marginActive;
        _encoder.Train(true);
        foreach (var t in new[] { _loss, _lossWithoutMargin, _correct, _correctWithoutMargin }) t?.Dispose();
        int n = Math.Max(1, batches);
        _loss = zeros(n, ScalarType.Float64, _device);
        _lossWithoutMargin = zeros(n, ScalarType.Float64, _device);
        _correct = zeros(n, ScalarType.Int64, _device);
        _correctWithoutMargin = zeros(n, ScalarType.Int64, _device);
        _counts = new long[n];
    }

    /// <inheritdoc />
    public override void Step(int batch, ReadOnlySpan<int> rows, float learningRate)
    {
        int n = rows.Length;
        _counts[batch] = n;
        using var scope = NewDisposeScope();
        var (x, y) = _trainData.Resident
            ? _trainData.Gather(DeviceUpload.Longs(rows.ToArray().Select(r => (long)r).ToArray(), _device))
            : _trainData.Gather(rows);
        long[]? centreRows = null;
        Tensor? centreIndex = null;
        if (_sampler is not null)
        {
            var labels = Setup.Train.Labels!;
            var batchLabels = new int[n];
            for (int i = 0; i < n; i++) batchLabels[i] = labels[rows[i]];
            if (_columns.Length < _sampler.MaxColumns(n)) _columns = new int[_sampler.MaxColumns(n)];
            if (_columnLabels.Length < n) _columnLabels = new int[n];
            int count = _sampler.Sample(batchLabels, _columns, _columnLabels);
            int k = ((CosineMarginHead)Head).SubCenters;
            centreRows = new long[count * k];
            for (int c = 0; c < count; c++)
                for (int q = 0; q < k; q++) centreRows[c * k + q] = (long)_columns[c] * k + q;
            centreIndex = DeviceUpload.Longs(centreRows, _device);
            y = DeviceUpload.Longs(_columnLabels.AsSpan(0, n).ToArray().Select(l => (long)l).ToArray(), _device);
        }
        var embeddings = _encoder.Forward(x);
        var logits = _head.Forward(embeddings, y, training: true, centreIndex);
        var loss = nn.functional.cross_entropy(logits, y);
        if (_margin && _head.AuxiliaryLoss is { } aux) loss = loss + aux;
        using (no_grad())
        {
            var plain = _head.LogitsWithoutMargin();
            _lossWithoutMargin![batch].copy_(nn.functional.cross_entropy(plain, y));
            _correctWithoutMargin![batch].copy_(plain.argmax(1).eq(y).sum());
        }
        _optimizer.ZeroGrad();
        _head.zero_grad();
        loss.backward();
        _optimizer.SetLearningRate(learningRate);
        _optimizer.Step();
        if (_centres is not null && _head is TorchCosineHead cosine)
        {
            var gradient = cosine.ActiveCentres.grad!;
            if (centreRows is not null && Setup.Settings.SampledCentreUpdates == SampledCentreUpdates.Dense)
            {
                // Every row, the unsampled ones with a zero gradient (a dense optimizer's step).
                var dense = zeros_like(cosine.Weight);
                dense.index_copy_(0, centreIndex!, gradient);
                _centres.Step(null, null, dense, learningRate);
            }
            else
            {
                _centres.Step(centreRows, centreIndex, gradient, learningRate);
            }
        }
        using (no_grad())
        {
            _loss![batch].copy_(loss.detach());
            _correct![batch].copy_(logits.detach().argmax(1).eq(y).sum());
        }
    }

    /// <inheritdoc />
    public override BatchTotals Read(int from, int to)
    {
        if (to <= from) return default;
        var loss = HostValues<double>(_loss!, from, to);
        var plain = HostValues<double>(_lossWithoutMargin!, from, to);
        var correct = HostValues<long>(_correct!, from, to);
        var correctPlain = HostValues<long>(_correctWithoutMargin!, from, to);
        long seen = 0, right = 0, rightPlain = 0;
        double lossSum = 0, plainSum = 0;
        for (int i = 0; i < loss.Length; i++)
        {
            long count = _counts[from + i];
            if (count == 0) continue;
            if (!double.IsFinite(loss[i])) return new BatchTotals(count, 0, 0, 0, 0, from + i, loss[i]);
            seen += count; lossSum += loss[i] * count; plainSum += plain[i] * count; right += correct[i]; rightPlain += correctPlain[i];
        }
        return new BatchTotals(seen, lossSum, plainSum, right, rightPlain);
    }

    private static T[] HostValues<T>(Tensor t, int from, int to) where T : unmanaged
    {
        using var scope = NewDisposeScope(); // disposes the host copy, never t itself
        return t.narrow(0, from, to - from).cpu().data<T>().ToArray();
    }

    /// <inheritdoc />
    public override (double Loss, double Accuracy) Evaluate(Dataset data)
    {
        var device = ReferenceEquals(data, Setup.Validation) && _validationData is not null ? _validationData : new DeviceData(data, _device, resident: false);
        _encoder.Train(false);
        using var _ = no_grad();
        using var lossSum = zeros(1, ScalarType.Float64, _device);
        using var correct = zeros(1, ScalarType.Int64, _device);
        for (int start = 0; start < device.Count; start += EvaluationBatch)
        {
            int count = Math.Min(EvaluationBatch, device.Count - start);
            using var scope = NewDisposeScope();
            var (x, y) = device.Slice(start, count);
            var logits = _head.Predict(_encoder.Forward(x));
            lossSum.add_(nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.Sum).to(ScalarType.Float64));
            correct.add_(logits.argmax(1).eq(y).sum());
        }
        _encoder.Train(true);
        if (!ReferenceEquals(device, _validationData)) device.Dispose();
        int n = Math.Max(1, data.Count);
        return (lossSum.item<double>() / n, (double)correct.item<long>() / n);
    }

    /// <inheritdoc />
    public override float[] Embed(Dataset data)
    {
        int e = Encoder.EmbeddingSize;
        var embeddings = new float[checked(data.Count * e)];
        var device = ReferenceEquals(data, Setup.Train) ? _trainData : new DeviceData(data, _device, resident: false);
        _encoder.Train(false);
        using (no_grad())
        {
            for (int start = 0; start < data.Count; start += EvaluationBatch)
            {
                int count = Math.Min(EvaluationBatch, data.Count - start);
                using var scope = NewDisposeScope();
                var (x, _) = device.Slice(start, count);
                TensorTransfer.ToArray(_encoder.Forward(x)).CopyTo(embeddings, start * e);
            }
        }
        _encoder.Train(true);
        if (!ReferenceEquals(device, _trainData)) device.Dispose();
        return embeddings;
    }

    /// <inheritdoc />
    public override void PushToEngine()
    {
        _encoder.CopyTo(Encoder);
        _head.CopyTo(Head);
    }

    /// <inheritdoc />
    public override void PullFromEngine()
    {
        _encoder.LoadFrom(Encoder);
        _head.LoadFrom(Head);
    }

    /// <inheritdoc />
    public override OptimizerState GetOptimizerState()
    {
        var dense = _optimizer.ToEngineState();
        return _centres is null ? dense : new OptimizerState(dense.StepCount, [.. dense.Slots, .. _centres.GetState(EngineSession.CentreSlotPrefix)]);
    }

    /// <inheritdoc />
    public override void SetOptimizerState(OptimizerState state)
    {
        var (dense, centres) = EngineSession.Split(state, _optimizer.ToEngineState().Slots.Count);
        _optimizer.LoadEngineState(dense);
        _centres?.SetState(EngineSession.CentreSlotPrefix, centres);
    }

    /// <inheritdoc />
    public override Dictionary<string, string> Describe() => new()
    {
        ["backend"] = "torchsharp", ["device"] = _deviceName, ["threads"] = get_num_threads().ToString(),
    };

    /// <inheritdoc />
    public override void Dispose()
    {
        foreach (var t in new[] { _loss, _lossWithoutMargin, _correct, _correctWithoutMargin }) t?.Dispose();
        _centres?.Dispose();
        _optimizer.Dispose();
        _trainData.Dispose();
        _validationData?.Dispose();
        _head.Dispose();
        _encoder.Dispose();
    }
}

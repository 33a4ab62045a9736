using System.Diagnostics;
using MLNetMarginLoss.Data;
using MLNetMarginLoss.Encoders;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Schedules;
using MLNetMarginLoss.Heads;
using MLNetMarginLoss.TorchBackend.Modules;
using MLNetMarginLoss.Training;
using TorchSharp;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;
using EngineTensor = MLNetMarginLoss.Engine.Tensor;

namespace MLNetMarginLoss.TorchBackend.Training;

/// <summary>
/// One training run on TorchSharp, step for step the engine's <see cref="TrainingRun"/>: the same initial weights
/// (the engine's encoder and head are built from the seed and copied to the device), the same (seed, epoch)-derived
/// shuffles, dropout seeds and ElasticFace margins, the same softmax warm-up, learning-rate schedule (the engine's
/// schedule object, evaluated on the host each step), validation on the inference path, early stopping with the best
/// weights, checkpoints in the engine's format (a run can resume on either backend), outlier dropping for sub-centre
/// ArcFace and the divergence guard. The weights come back as engine objects under the same names.
/// <para>
/// Device traffic: the training and validation sets are uploaded once when they fit <see cref="TorchSharpBackend.MaxDeviceDataBytes"/>
/// (batches are then gathered on the device from the epoch's index order), else each batch is gathered on the host
/// and uploaded without waiting. Per-batch loss and accuracy stay on the device and are read once per epoch (and
/// every <see cref="DivergenceCheckInterval"/> batches for the divergence guard), or after every batch when
/// <see cref="ArcFaceTrainer.Options.Progress"/> asks for per-batch reports.
/// </para>
/// </summary>
internal sealed class TorchTrainingRun : IDisposable
{
    private const int EvaluationBatch = 512;

    /// <summary>Batches between reads of the loss for the divergence guard (when nothing else reads it).</summary>
    internal const int DivergenceCheckInterval = 50;

    private readonly ArcFaceTrainer.Options _options;
    private readonly Dataset _train;
    private readonly Dataset? _validation;
    private readonly Device _device;
    private readonly CancellationToken _cancellation;
    private readonly Encoder _engineEncoder;
    private readonly MarginHead _engineHead;
    private readonly TorchEncoder _encoder;
    private readonly TorchHead _head;
    private readonly TorchOptimizer _optimizer;
    private readonly LearningRateSchedule _schedule;
    private readonly TrainingHistory _history = new();
    private readonly TrainingCheckpoint? _checkpoint;
    private readonly DeviceData _trainData;
    private readonly DeviceData? _validationData;
    private readonly string _deviceName;
    private int[] _activeRows;

    public TorchTrainingRun(TrainingJob job, Device device, string deviceName, long maxDeviceDataBytes)
    {
        _options = job.Options;
        _train = job.Train;
        _validation = job.Validation;
        _device = device;
        _deviceName = deviceName;
        _cancellation = job.Cancellation;
        var options = _options;
        var init = new SeededRandom(options.Seed);

        var spec = options.Encoder with { InputShape = _train.FeatureShape };
        _engineEncoder = Encoder.Build(spec, init.Fork());
        if (options.InitialModel is { } start) RunRules.CopyEncoderWeights(start.Network.Encoder, _engineEncoder);
        if (options.FrozenLayers > 0) _engineEncoder.FreezeLayers(options.FrozenLayers);
        _engineHead = HeadFactory.Create(options.Head, spec.EmbeddingSize, _train.ClassCount, options.HeadOptions);
        _engineHead.Initialize(init.Fork());

        _encoder = new TorchEncoder(_engineEncoder, device);
        _head = TorchHead.Create(_engineHead, device);
        _optimizer = new TorchOptimizer(options,
        [
            (1f, _encoder.PairParameters(_engineEncoder)),
            (options.HeadLearningRateMultiplier, _head.PairParameters(_engineHead)),
        ]);
        _schedule = OptimizerFactory.CreateSchedule(options);
        _activeRows = Enumerable.Range(0, _train.Count).ToArray();
        if (options.CheckpointDirectory is { } dir) _checkpoint = new TrainingCheckpoint(dir);

        long bytes = (long)_train.Features.Length * sizeof(float) + (_validation is null ? 0 : (long)_validation.Features.Length * sizeof(float));
        bool resident = bytes <= maxDeviceDataBytes;
        // Augmented batches are made on the host, sample by sample, exactly as the engine makes them.
        _trainData = new DeviceData(_train, device, resident && options.Augmentation is not { IsIdentity: false }, options.Augmentation);
        _validationData = _validation is null ? null : new DeviceData(_validation, device, resident);
    }

    /// <summary>The engine twin of the encoder (holds the weights after <see cref="SyncToEngine"/>).</summary>
    internal Encoder EngineEncoder => _engineEncoder;

    /// <summary>The engine twin of the head.</summary>
    internal MarginHead EngineHead => _engineHead;

    public TrainedNetwork Execute()
    {
        bool earlyStopping = _options.EarlyStoppingPatience > 0 && _validation is not null;
        var best = earlyStopping ? new WeightSnapshot(_engineEncoder, _engineHead) : null;
        var stopping = new EarlyStoppingState();
        int startEpoch = 0;
        if (_checkpoint is not null)
        {
            var engineOptimizer = EngineOptimizer();
            if (_checkpoint.TryRestore(_options, _train, _engineEncoder, _engineHead, engineOptimizer, _schedule, _history, ref _activeRows, best, stopping, out int done))
            {
                startEpoch = done + 1;
                _encoder.LoadFrom(_engineEncoder);
                _head.LoadFrom(_engineHead);
                _optimizer.LoadEngineState(engineOptimizer.GetState());
            }
        }

        for (int epoch = startEpoch; epoch < _options.MaxEpoch; epoch++)
        {
            _cancellation.ThrowIfCancellationRequested();
            var record = RunEpoch(epoch);
            if (_validationData is not null)
            {
                var (vLoss, vAcc) = Evaluate(_validationData);
                record = record with { ValidationLoss = vLoss, ValidationAccuracy = vAcc };
                _schedule.ReportEpochEnd(epoch, vLoss);
            }
            else
            {
                _schedule.ReportEpochEnd(epoch, null);
            }
            _history.Add(record);
            _history.SelectedEpoch = epoch;

            bool stop = earlyStopping && stopping.Update(record.ValidationLoss!.Value, _options.EarlyStoppingPatience, () => { SyncToEngine(); best!.Capture(); best.Epoch = epoch; });

            if (_options.DropOutliersAfterEpoch > 0 && epoch + 1 == _options.DropOutliersAfterEpoch && _engineHead is SubCenterArcFaceHead sub)
                _activeRows = DropOutliers(sub);

            if (_checkpoint is not null)
            {
                SyncToEngine();
                var engineOptimizer = EngineOptimizer();
                engineOptimizer.SetState(_optimizer.ToEngineState());
                _checkpoint.Save(_options, _train, epoch, _engineEncoder, _engineHead, engineOptimizer, _schedule, _history, _activeRows, best, stopping);
            }
            _options.Progress?.Report(new TrainingProgress
            {
                Epoch = epoch, Epochs = _options.MaxEpoch, Batch = BatchCount, Batches = BatchCount,
                Loss = record.TrainLoss, Accuracy = record.TrainAccuracy, SamplesPerSecond = record.SamplesPerSecond,
                LearningRate = record.LearningRate, EpochCompleted = true, Record = record,
            });
            if (stop) { _history.StoppedEarly = true; break; }
        }

        SyncToEngine();
        if (best is { Epoch: >= 0 })
        {
            best.Restore();
            _history.SelectedEpoch = best.Epoch;
        }
        EnsureFiniteWeights();
        return new TrainedNetwork(_engineEncoder, _engineHead, _train.ClassNames, _history, DescribeRun());
    }

    /// <summary>Copies the device weights and buffers into the engine twins.</summary>
    internal void SyncToEngine()
    {
        _encoder.CopyTo(_engineEncoder);
        _head.CopyTo(_engineHead);
    }

    private Engine.Optimizers.Optimizer EngineOptimizer() => OptimizerFactory.Create(_options,
    [
        new Engine.Optimizers.ParameterGroup(_engineEncoder.Network.AllParameters().ToList()),
        new Engine.Optimizers.ParameterGroup(_engineHead.Parameters.ToList(), _options.HeadLearningRateMultiplier),
    ]);

    private int BatchCount => (_activeRows.Length + _options.BatchSize - 1) / _options.BatchSize;

    private EpochRecord RunEpoch(int epoch)
    {
        var random = EpochRandom(epoch);
        var order = (int[])_activeRows.Clone();
        random.Shuffle(order.AsSpan());
        _encoder.SeedRandomness(random.Fork());
        _head.SeedRandomness(random.Fork());
        _trainData.AugmentationRandom = random.Fork(); // the engine's fork order: shuffle, encoder, head, augmentation
        bool margin = epoch >= _options.SoftmaxWarmupEpochs;
        _head.MarginEnabled = margin;
        _encoder.Train(true);

        int batches = BatchCount;
        var learningRates = new double[batches];
        var counts = new int[batches];
        using var batchLoss = zeros(Math.Max(1, batches), ScalarType.Float64, _device);
        using var batchCorrect = zeros(Math.Max(1, batches), ScalarType.Int64, _device);
        using var batchInferenceLoss = zeros(Math.Max(1, batches), ScalarType.Float64, _device);
        using var orderOnDevice = _trainData.Resident ? DeviceUpload.Longs(order.Select(i => (long)i).ToArray(), _device) : null;
        double lr = _options.LearningRate;
        double progressLoss = 0;
        long progressCorrect = 0, seen = 0;
        int checkedUpTo = 0;
        var clock = Stopwatch.StartNew();
        for (int b = 0; b < batches; b++)
        {
            _cancellation.ThrowIfCancellationRequested();
            int start = b * _options.BatchSize;
            int count = Math.Min(_options.BatchSize, order.Length - start);
            if (count < 2) continue; // batch statistics need two samples
            lr = _schedule.GetLearningRate(epoch, b, batches);
            learningRates[b] = lr;
            counts[b] = count;
            using (var scope = NewDisposeScope())
            {
                var (x, y) = orderOnDevice is not null
                    ? _trainData.Gather(orderOnDevice.narrow(0, start, count))
                    : _trainData.Gather(order.AsSpan(start, count));
                var embeddings = _encoder.Forward(x);
                var logits = _head.Forward(embeddings, y, training: true);
                var loss = nn.functional.cross_entropy(logits, y);
                using (no_grad()) // the inference logits' loss (no margin), with the weights this batch saw, as the engine records it
                    batchInferenceLoss[b].copy_(nn.functional.cross_entropy(_head.Predict(embeddings.detach()), y));
                if (margin && _head.AuxiliaryLoss is { } aux) loss = loss + aux;
                _optimizer.ZeroGrad();
                loss.backward();
                _optimizer.SetLearningRate((float)lr);
                _optimizer.Step();
                using (no_grad())
                {
                    batchLoss[b].copy_(loss.detach());
                    batchCorrect[b].copy_(logits.detach().argmax(1).eq(y).sum());
                }
            }
            seen += count;
            if (_options.Progress is { } progress)
            {
                double value;
                using (var slot = batchLoss[b]) value = slot.item<double>();
                CheckFinite(epoch, b, value, lr);
                checkedUpTo = b + 1;
                progressLoss += value * count;
                using (var slot = batchCorrect[b]) progressCorrect += slot.item<long>();
                double rate = seen / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
                long remaining = (long)(_options.MaxEpoch - epoch) * _activeRows.Length - seen;
                progress.Report(new TrainingProgress
                {
                    Epoch = epoch, Epochs = _options.MaxEpoch, Batch = b + 1, Batches = batches,
                    Loss = progressLoss / seen, Accuracy = (double)progressCorrect / seen, SamplesPerSecond = rate,
                    EstimatedRemaining = TimeSpan.FromSeconds(remaining / Math.Max(1, rate)), LearningRate = lr,
                });
            }
            else if (b + 1 - checkedUpTo >= DivergenceCheckInterval)
            {
                CheckLosses(epoch, batchLoss, checkedUpTo, b + 1, learningRates, counts);
                checkedUpTo = b + 1;
            }
        }
        var losses = HostValues<double>(batchLoss);
        double seconds = clock.Elapsed.TotalSeconds;
        CheckLosses(epoch, losses, 0, batches, learningRates, counts);
        var correct = HostValues<long>(batchCorrect);
        var inferenceLosses = HostValues<double>(batchInferenceLoss);
        double lossSum = 0, inferenceLossSum = 0;
        long correctSum = 0;
        for (int b = 0; b < batches; b++)
        {
            if (counts[b] == 0) continue;
            lossSum += losses[b] * counts[b];
            inferenceLossSum += inferenceLosses[b] * counts[b];
            correctSum += correct[b];
        }
        return new EpochRecord
        {
            Epoch = epoch,
            TrainLoss = seen == 0 ? double.NaN : lossSum / seen,
            TrainLossWithoutMargin = seen == 0 ? double.NaN : inferenceLossSum / seen,
            TrainAccuracy = seen == 0 ? double.NaN : (double)correctSum / seen,
            LearningRate = lr,
            Seconds = seconds,
            SamplesPerSecond = seen / Math.Max(1e-9, seconds),
            MarginActive = margin,
        };
    }

    private static T[] HostValues<T>(Tensor t) where T : unmanaged
    {
        using var scope = NewDisposeScope(); // disposes the host copy, never t itself
        return t.cpu().data<T>().ToArray();
    }

    private void CheckLosses(int epoch, Tensor batchLoss, int from, int to, double[] learningRates, int[] counts)
    {
        if (to <= from) return;
        using var slice = batchLoss.narrow(0, from, to - from);
        var values = HostValues<double>(slice);
        for (int i = 0; i < values.Length; i++)
            if (counts[from + i] > 0) CheckFinite(epoch, from + i, values[i], learningRates[from + i]);
    }

    private static void CheckLosses(int epoch, double[] losses, int from, int to, double[] learningRates, int[] counts)
    {
        for (int b = from; b < to; b++)
            if (counts[b] > 0) CheckFinite(epoch, b, losses[b], learningRates[b]);
    }

    private static void CheckFinite(int epoch, int batch, double loss, double lr)
    {
        if (!double.IsFinite(loss))
            throw new TrainingDivergedException(epoch, batch, loss, lr,
                "Lower the learning rate or the head's scale s, add a softmax warm-up (SoftmaxWarmupEpochs), or check the input for extreme values.");
    }

    /// <summary>Loss and accuracy of the inference path (s·cos θ, no margin, no labels used for the logits).</summary>
    private (double Loss, double Accuracy) Evaluate(DeviceData data)
    {
        _encoder.Train(false);
        using var _ = no_grad();
        using var lossSum = zeros(1, ScalarType.Float64, _device);
        using var correct = zeros(1, ScalarType.Int64, _device);
        for (int start = 0; start < data.Count; start += EvaluationBatch)
        {
            int count = Math.Min(EvaluationBatch, data.Count - start);
            using var scope = NewDisposeScope();
            var (x, y) = data.Slice(start, count);
            var logits = _head.Predict(_encoder.Forward(x));
            lossSum.add_(nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.Sum).to(ScalarType.Float64));
            correct.add_(logits.argmax(1).eq(y).sum());
        }
        _encoder.Train(true);
        int n = Math.Max(1, data.Count);
        return (lossSum.item<double>() / n, (double)correct.item<long>() / n);
    }

    private int[] DropOutliers(SubCenterArcFaceHead head)
    {
        int e = _engineEncoder.EmbeddingSize;
        var embeddings = new float[_train.Count * e];
        _encoder.Train(false);
        using (no_grad())
        {
            for (int start = 0; start < _train.Count; start += EvaluationBatch)
            {
                int count = Math.Min(EvaluationBatch, _train.Count - start);
                using var scope = NewDisposeScope();
                var (x, _) = _trainData.Slice(start, count);
                TensorTransfer.ToArray(_encoder.Forward(x)).CopyTo(embeddings, start * e);
            }
        }
        _encoder.Train(true);
        _head.CopyTo(head);
        var drop = new HashSet<int>(head.FindOutliers(new EngineTensor(embeddings, _train.Count, TensorShape.Vector(e)), _train.Labels!));
        return _activeRows.Where(r => !drop.Contains(r)).ToArray();
    }

    private SeededRandom EpochRandom(int epoch) => RunRules.EpochRandom(_options.Seed, epoch);

    private void EnsureFiniteWeights() => RunRules.EnsureFiniteWeights(_engineEncoder, _engineHead, _history, _options.LearningRate);

    private ModelInfo DescribeRun() => RunRules.Describe(_options, _train, _history, new()
    {
        ["backend"] = "torchsharp", ["device"] = _deviceName, ["threads"] = get_num_threads().ToString(),
    });

    public void Dispose()
    {
        _optimizer.Dispose();
        _trainData.Dispose();
        _validationData?.Dispose();
        _head.Dispose();
        _encoder.Dispose();
    }
}

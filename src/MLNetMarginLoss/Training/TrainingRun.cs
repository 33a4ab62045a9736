using System.Diagnostics;
using MLNetMarginLoss.Data;
using MLNetMarginLoss.Encoders;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Losses;
using MLNetMarginLoss.Engine.Optimizers;
using MLNetMarginLoss.Engine.Schedules;
using MLNetMarginLoss.Heads;

namespace MLNetMarginLoss.Training;

/// <summary>
/// One execution of the training loop behind <see cref="ArcFaceTrainer"/>: owns the encoder, head, optimizer, schedule and buffers,
/// and runs the epoch loop (with warm-up, validation, early stopping, checkpoints and divergence checks).
/// Randomness is derived from (seed, epoch), so a run resumed from a checkpoint continues exactly as an
/// uninterrupted one would.
/// </summary>
internal sealed class TrainingRun
{
    private const int EvaluationBatch = 512;

    private readonly ArcFaceTrainer.Options _options;
    private readonly Dataset _train;
    private readonly Dataset? _validation;
    private readonly ComputeContext _context;
    private readonly CancellationToken _cancellation;
    private readonly Encoder _encoder;
    private readonly MarginHead _head;
    private readonly Optimizer _optimizer;
    private readonly LearningRateSchedule _schedule;
    private readonly SoftmaxCrossEntropy _loss = new();
    private readonly SoftmaxCrossEntropy _inferenceLoss = new();
    private readonly TrainingHistory _history = new();
    private readonly TrainingCheckpoint? _checkpoint;
    private int[] _activeRows;

    public TrainingRun(ArcFaceTrainer.Options options, Dataset train, Dataset? validation, ComputeContext context, CancellationToken cancellation)
    {
        _options = options;
        _train = train;
        _validation = validation;
        _context = context;
        _cancellation = cancellation;
        var init = new SeededRandom(options.Seed);

        var spec = options.Encoder with { InputShape = train.FeatureShape };
        _encoder = Encoder.Build(spec, init.Fork());
        _encoder.Context = context;
        if (options.InitialModel is { } start) RunRules.CopyEncoderWeights(start.Network.Encoder, _encoder);
        if (options.FrozenLayers > 0) _encoder.FreezeLayers(options.FrozenLayers);

        _head = HeadFactory.Create(options.Head, spec.EmbeddingSize, train.ClassCount, options.HeadOptions);
        _head.Context = context;
        _head.Initialize(init.Fork());

        var groups = new List<ParameterGroup>
        {
            new(_encoder.Network.AllParameters().ToList()),
            new(_head.Parameters.ToList(), options.HeadLearningRateMultiplier),
        };
        _optimizer = OptimizerFactory.Create(options, groups);
        _schedule = OptimizerFactory.CreateSchedule(options);
        _activeRows = Enumerable.Range(0, train.Count).ToArray();
        if (options.CheckpointDirectory is { } dir) _checkpoint = new TrainingCheckpoint(dir);
    }

    public TrainedNetwork Execute()
    {
        bool earlyStopping = _options.EarlyStoppingPatience > 0 && _validation is not null;
        var best = earlyStopping ? new WeightSnapshot(_encoder, _head) : null;
        var stopping = new EarlyStoppingState();
        int startEpoch = 0;
        if (_checkpoint is not null && _checkpoint.TryRestore(_options, _train, _encoder, _head, _optimizer, _schedule, _history, ref _activeRows, best, stopping, out int done))
            startEpoch = done + 1;

        var clock = Stopwatch.StartNew();
        long samplesDone = 0;
        for (int epoch = startEpoch; epoch < _options.MaxEpoch; epoch++)
        {
            _cancellation.ThrowIfCancellationRequested();
            var record = RunEpoch(epoch, clock, ref samplesDone, startEpoch);
            if (_validation is not null)
            {
                var (vLoss, vAcc) = Evaluate(_validation);
                record = record with { ValidationLoss = vLoss, ValidationAccuracy = vAcc };
                _schedule.ReportEpochEnd(epoch, vLoss);
            }
            else
            {
                _schedule.ReportEpochEnd(epoch, null);
            }
            _history.Add(record);
            _history.SelectedEpoch = epoch;

            bool stop = earlyStopping && stopping.Update(record.ValidationLoss!.Value, _options.EarlyStoppingPatience, () => { best!.Capture(); best.Epoch = epoch; });

            if (_options.DropOutliersAfterEpoch > 0 && epoch + 1 == _options.DropOutliersAfterEpoch && _head is SubCenterArcFaceHead sub)
                _activeRows = DropOutliers(sub);

            _checkpoint?.Save(_options, _train, epoch, _encoder, _head, _optimizer, _schedule, _history, _activeRows, best, stopping);
            _options.Progress?.Report(new TrainingProgress
            {
                Epoch = epoch, Epochs = _options.MaxEpoch, Batch = BatchCount, Batches = BatchCount,
                Loss = record.TrainLoss, Accuracy = record.TrainAccuracy, SamplesPerSecond = record.SamplesPerSecond,
                LearningRate = record.LearningRate, EpochCompleted = true, Record = record,
            });
            if (stop) { _history.StoppedEarly = true; break; }
        }

        if (best is { Epoch: >= 0 })
        {
            best.Restore();
            _history.SelectedEpoch = best.Epoch;
        }
        EnsureFiniteWeights();
        return new TrainedNetwork(_encoder, _head, _train.ClassNames, _history, DescribeRun());
    }

    private int BatchCount => (_activeRows.Length + _options.BatchSize - 1) / _options.BatchSize;

    private EpochRecord RunEpoch(int epoch, Stopwatch clock, ref long samplesDone, int startEpoch)
    {
        var random = EpochRandom(epoch);
        var order = (int[])_activeRows.Clone();
        random.Shuffle(order.AsSpan());
        _encoder.Network.SeedRandomness(random.Fork());
        _head.SeedRandomness(random.Fork());
        bool margin = epoch >= _options.SoftmaxWarmupEpochs;
        _head.MarginEnabled = margin;

        var feeder = new BatchFeeder(_train, _options.BatchSize, _options.Augmentation) { AugmentationRandom = random.Fork() };
        int batches = BatchCount;
        double lossSum = 0, inferenceLossSum = 0;
        long correct = 0, seen = 0;
        double lr = _options.LearningRate;
        var epochClock = Stopwatch.StartNew();
        for (int b = 0; b < batches; b++)
        {
            _cancellation.ThrowIfCancellationRequested();
            int start = b * _options.BatchSize;
            int count = Math.Min(_options.BatchSize, order.Length - start);
            if (count < 2) continue; // batch statistics need two samples
            var x = feeder.Gather(order, start, count);
            var labels = feeder.Labels;
            var embeddings = _encoder.Forward(x, training: true);
            var logits = _head.Forward(embeddings, labels, training: true);
            double loss = _loss.Forward(logits, labels) + (margin ? _head.AuxiliaryLoss : 0);
            inferenceLossSum += _inferenceLoss.Forward(_head.Predict(embeddings), labels) * count;
            lr = _schedule.GetLearningRate(epoch, b, batches);
            if (!double.IsFinite(loss))
                throw new TrainingDivergedException(epoch, b, loss, lr,
                    "Lower the learning rate or the head's scale s, add a softmax warm-up (SoftmaxWarmupEpochs), or check the input for extreme values.");
            var embeddingGradient = _head.Backward(_loss.Gradient);
            _encoder.Backward(embeddingGradient);
            _optimizer.LearningRate = (float)lr;
            _optimizer.Step();

            lossSum += loss * count;
            correct += _loss.Correct;
            seen += count;
            samplesDone += count;
            if (_options.Progress is { } progress)
            {
                double rate = seen / Math.Max(1e-9, epochClock.Elapsed.TotalSeconds);
                long remaining = (long)(_options.MaxEpoch - epoch) * _activeRows.Length - seen;
                progress.Report(new TrainingProgress
                {
                    Epoch = epoch, Epochs = _options.MaxEpoch, Batch = b + 1, Batches = batches,
                    Loss = lossSum / seen, Accuracy = (double)correct / seen, SamplesPerSecond = rate,
                    EstimatedRemaining = TimeSpan.FromSeconds(remaining / Math.Max(1, rate)), LearningRate = lr,
                });
            }
        }
        double seconds = epochClock.Elapsed.TotalSeconds;
        return new EpochRecord
        {
            Epoch = epoch,
            TrainLoss = seen == 0 ? double.NaN : lossSum / seen,
            TrainLossWithoutMargin = seen == 0 ? double.NaN : inferenceLossSum / seen,
            TrainAccuracy = seen == 0 ? double.NaN : (double)correct / seen,
            LearningRate = lr,
            Seconds = seconds,
            SamplesPerSecond = seen / Math.Max(1e-9, seconds),
            MarginActive = margin,
        };
    }

    /// <summary>Loss and accuracy of the inference path (s·cos θ, no margin, no labels used for the logits).</summary>
    private (double Loss, double Accuracy) Evaluate(Dataset data)
    {
        var feeder = new BatchFeeder(data, EvaluationBatch);
        double lossSum = 0;
        long correct = 0;
        for (int start = 0; start < data.Count; start += EvaluationBatch)
        {
            int count = Math.Min(EvaluationBatch, data.Count - start);
            var x = feeder.Slice(start, count);
            var logits = _head.Predict(_encoder.Forward(x, training: false));
            lossSum += _loss.Forward(logits, feeder.Labels) * count;
            correct += _loss.Correct;
        }
        return (lossSum / Math.Max(1, data.Count), (double)correct / Math.Max(1, data.Count));
    }

    private int[] DropOutliers(SubCenterArcFaceHead head)
    {
        var emb = new float[_train.Count * _encoder.EmbeddingSize];
        var feeder = new BatchFeeder(_train, EvaluationBatch);
        for (int start = 0; start < _train.Count; start += EvaluationBatch)
        {
            int count = Math.Min(EvaluationBatch, _train.Count - start);
            _encoder.Forward(feeder.Slice(start, count), training: false).Span.CopyTo(emb.AsSpan(start * _encoder.EmbeddingSize));
        }
        var drop = new HashSet<int>(head.FindOutliers(new Tensor(emb, _train.Count, TensorShape.Vector(_encoder.EmbeddingSize)), _train.Labels!));
        return _activeRows.Where(r => !drop.Contains(r)).ToArray();
    }

    private SeededRandom EpochRandom(int epoch) => RunRules.EpochRandom(_options.Seed, epoch);

    private void EnsureFiniteWeights() => RunRules.EnsureFiniteWeights(_encoder, _head, _history, _optimizer.LearningRate);

    private ModelInfo DescribeRun() => RunRules.Describe(_options, _train, _history, new()
    {
        ["backend"] = "engine", ["gemm"] = _context.Provider.ToString(), ["threads"] = _context.DegreeOfParallelism.ToString(),
    });
}

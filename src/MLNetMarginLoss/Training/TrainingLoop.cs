using System.Diagnostics;
using MLNetMarginLoss.Encoders;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Heads;
using MLNetMarginLoss.Training.Distributed;

namespace MLNetMarginLoss.Training;

/// <summary>
/// The one training loop, for every backend: builds and initialises the encoder and head from the seed (the engine
/// objects that hold the weights between steps), then runs the epochs over a backend's <see cref="TrainingSession"/>:
/// shuffle from (seed, epoch), softmax warm-up, the learning-rate schedule, validation on the inference path, early
/// stopping with the best weights, checkpoints after every epoch (resumable on either backend), sub-centre outlier
/// dropping, progress reports, and divergence checks (a non-finite loss stops training with
/// <see cref="TrainingDivergedException"/> naming the epoch, batch and learning rate; the session decides how often
/// the loss is read back). Randomness is derived from (seed, epoch), so a resumed run continues exactly as an
/// uninterrupted one.
/// <para>
/// Several processes (a <see cref="Communicator"/> of more than one): every process runs this loop in lockstep on the
/// same permutation; a step covers <see cref="TrainingSettings.GlobalBatchSize"/> rows, of which each process takes
/// its part; a cosine head is sharded by class. <see cref="DistributedRun"/> holds what differs (the start's checks
/// and broadcast, the epoch-end synchronisation, checkpoints in one process's format written by rank 0, the whole head
/// gathered at the end). A global batch too small to give every process two rows is skipped.
/// </para>
/// </summary>
internal sealed class TrainingLoop
{
    private readonly TrainingSession _session;
    private readonly TrainingSettings _settings;
    private readonly TrainingSetup _setup;
    private readonly RunState _run;
    private readonly Engine.Schedules.LearningRateSchedule _schedule;
    private readonly TrainingCheckpoint? _checkpoint;
    private readonly DistributedRun? _world;

    private TrainingLoop(TrainingSession session)
    {
        _session = session;
        _setup = session.Setup;
        _world = _setup.Distributed;
        _settings = _setup.Settings;
        bool earlyStopping = _settings.EarlyStoppingPatience > 0 && _setup.Validation is not null;
        _run = new RunState
        {
            Best = earlyStopping ? new WeightSnapshot(_setup.Encoder, _setup.Head) : null,
            ActiveRows = Enumerable.Range(0, _setup.Train.Count).ToArray(),
        };
        _schedule = OptimizerFactory.CreateSchedule(_settings);
        if (_settings.CheckpointDirectory is { } dir) _checkpoint = new TrainingCheckpoint(dir);
    }

    /// <summary>Trains what <paramref name="job"/> describes on the session <paramref name="createSession"/> makes.</summary>
    /// <exception cref="InsufficientMemoryException">The head and its optimizer state would not fit the memory available.</exception>
    /// <exception cref="TrainingDivergedException">The loss or the weights became NaN or infinite.</exception>
    public static TrainedNetwork Run(TrainingJob job, Func<TrainingSetup, TrainingSession> createSession)
    {
        var s = job.Settings;
        var train = job.Train;
        var world = DistributedRun.Create(s, train, job.Validation);
        var init = new SeededRandom(s.Seed);
        var spec = s.Encoder with { InputShape = train.FeatureShape };
        MemoryBudget.Check(s, world?.ClassesHeld(s, train.ClassCount) ?? train.ClassCount, s.Encoder.EmbeddingSize);
        var head = world?.CreateHead(s, spec.EmbeddingSize, train.ClassCount) ?? HeadFactory.Create(s.Head, spec.EmbeddingSize, train.ClassCount, s.HeadOptions);
        var encoder = Encoder.Build(spec, init.Fork());
        if (s.InitialEncoder is { } start) RunRules.CopyEncoderWeights(start, encoder);
        if (s.FrozenLayers > 0) encoder.FreezeLayers(s.FrozenLayers);
        head.Initialize(init.Fork());
        world?.BroadcastInitialWeights(encoder, head);
        if (s.SampleRate < 1) ((CosineMarginHead)head).Sampler = new PartialFcSampler(((CosineMarginHead)head).Centers.ClassCount, s.SampleRate);
        using var session = createSession(new TrainingSetup(s, train, job.Validation, encoder, head, job.Cancellation, world));
        var network = new TrainingLoop(session).Execute();
        if (head is CosineMarginHead cosine) cosine.Sampler = null;
        return network;
    }

    private int BatchCount => (_run.ActiveRows.Length + _settings.GlobalBatchSize - 1) / _settings.GlobalBatchSize;

    private TrainedNetwork Execute()
    {
        var encoder = _setup.Encoder;
        var head = _setup.Head;
        var history = _run.History;
        int startEpoch = 0;
        var restored = _checkpoint is null ? null
            : _world is null ? _checkpoint.TryRestore(_settings, _setup.Train, encoder, head, _run)
            : _world.RestoreCheckpoint(_checkpoint, _settings, _setup.Train, encoder, head, _run);
        if (restored is not null)
        {
            startEpoch = restored.Epoch + 1;
            _session.SetOptimizerState(restored.Optimizer);
            _schedule.SetState(restored.Schedule);
            _session.PullFromEngine();
            _settings.Progress?.Report(new TrainingProgress { Epoch = startEpoch, Epochs = _settings.MaxEpoch, ResumedAtEpoch = startEpoch, LearningRate = _schedule.GetLearningRate(startEpoch, 0, Math.Max(1, BatchCount)) });
        }

        for (int epoch = startEpoch; epoch < _settings.MaxEpoch; epoch++)
        {
            _setup.Cancellation.ThrowIfCancellationRequested();
            var record = RunEpoch(epoch);
            if (_world is not null)
            {
                _session.PushToEngine();
                _world.EndEpoch(encoder, head);
            }
            if (_setup.Validation is { } validation)
            {
                var (loss, accuracy) = _session.Evaluate(validation);
                record = record with { ValidationLoss = loss, ValidationAccuracy = accuracy };
                _schedule.ReportEpochEnd(epoch, loss);
            }
            else
            {
                _schedule.ReportEpochEnd(epoch, null);
            }
            history.Add(record);
            history.SelectedEpoch = epoch;

            bool stop = _run.Best is { } best && _run.Stopping.Update(record.ValidationLoss!.Value, _settings.EarlyStoppingPatience, () =>
            {
                _session.PushToEngine();
                best.Capture();
                best.Epoch = epoch;
            });

            if (_settings.DropOutliersAfterEpoch > 0 && epoch + 1 == _settings.DropOutliersAfterEpoch
                && head is CosineMarginHead { Margin: ArcFaceMargin { DropThresholdDegrees: { } threshold } } subCenter)
                _run.ActiveRows = DropOutliers(subCenter, threshold);

            if (_checkpoint is not null)
            {
                _session.PushToEngine();
                var state = new CheckpointState(epoch, encoder, head, _session.GetOptimizerState(), _schedule.GetState(), _run);
                if (_world is null) _checkpoint.Save(_settings, _setup.Train, state);
                else _world.SaveCheckpoint(_checkpoint, _settings, _setup.Train, state);
            }
            _settings.Progress?.Report(new TrainingProgress
            {
                Epoch = epoch, Epochs = _settings.MaxEpoch, Batch = BatchCount, Batches = BatchCount,
                Loss = record.TrainLoss, Accuracy = record.TrainAccuracy, SamplesPerSecond = record.SamplesPerSecond,
                LearningRate = record.LearningRate, EpochCompleted = true, Record = record,
            });
            if (stop) { history.StoppedEarly = true; break; }
        }

        _session.PushToEngine();
        if (_run.Best is { Epoch: >= 0 } kept)
        {
            kept.Restore();
            history.SelectedEpoch = kept.Epoch;
        }
        var final = _world?.GatherHeadToRankZero(head) ?? head;
        RunRules.EnsureFiniteWeights(encoder, final, history, _settings.LearningRate);
        var description = _session.Describe();
        _world?.Describe(description);
        return new TrainedNetwork(encoder, final, _setup.Train.ClassNames, history, RunRules.Describe(_settings, _setup.Train, history, description));
    }

    private EpochRecord RunEpoch(int epoch)
    {
        var random = RunRules.EpochRandom(_settings.Seed, epoch);
        var order = (int[])_run.ActiveRows.Clone();
        random.Shuffle(order.AsSpan());
        bool margin = epoch >= _settings.SoftmaxWarmupEpochs;
        int batches = BatchCount, size = _settings.GlobalBatchSize, minimum = 2 * (_world?.World.Size ?? 1);
        _session.BeginEpoch(epoch, batches, random, margin);

        var learningRates = new double[Math.Max(1, batches)];
        double lr = _settings.LearningRate;
        var running = default(BatchTotals);
        int checkedUpTo = 0;
        var clock = Stopwatch.StartNew();
        for (int b = 0; b < batches; b++)
        {
            _setup.Cancellation.ThrowIfCancellationRequested();
            int start = b * size, count = Math.Min(size, order.Length - start);
            if (count < minimum) continue; // batch statistics need two samples (on every process)
            lr = _schedule.GetLearningRate(epoch, b, batches);
            learningRates[b] = lr;
            _session.Step(b, order.AsSpan(start, count), (float)lr);
            if (_settings.Progress is { } progress)
            {
                var one = CheckFinite(epoch, _session.Read(b, b + 1), learningRates);
                checkedUpTo = b + 1;
                running = Add(running, one);
                double rate = running.Seen / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
                long remaining = (long)(_settings.MaxEpoch - epoch) * _run.ActiveRows.Length - running.Seen;
                progress.Report(new TrainingProgress
                {
                    Epoch = epoch, Epochs = _settings.MaxEpoch, Batch = b + 1, Batches = batches,
                    Loss = running.LossSum / running.Seen, Accuracy = (double)running.Correct / running.Seen, SamplesPerSecond = rate,
                    BatchLoss = one.LossSum / Math.Max(1, one.Seen),
                    EstimatedRemaining = TimeSpan.FromSeconds(remaining / Math.Max(1, rate)), LearningRate = lr,
                });
            }
            else if (b + 1 - checkedUpTo >= _session.DivergenceCheckInterval)
            {
                CheckFinite(epoch, _session.Read(checkedUpTo, b + 1), learningRates);
                checkedUpTo = b + 1;
            }
        }
        var totals = CheckFinite(epoch, _session.Read(0, batches), learningRates);
        double seconds = clock.Elapsed.TotalSeconds;
        long seen = totals.Seen;
        return new EpochRecord
        {
            Epoch = epoch,
            TrainLoss = seen == 0 ? double.NaN : totals.LossSum / seen,
            TrainLossWithoutMargin = seen == 0 ? double.NaN : totals.LossWithoutMarginSum / seen,
            TrainAccuracy = seen == 0 ? double.NaN : (double)totals.Correct / seen,
            TrainAccuracyWithoutMargin = seen == 0 ? double.NaN : (double)totals.CorrectWithoutMargin / seen,
            LearningRate = lr,
            Seconds = seconds,
            SamplesPerSecond = seen / Math.Max(1e-9, seconds),
            MarginActive = margin,
        };
    }

    private static BatchTotals Add(BatchTotals a, BatchTotals b) => new(a.Seen + b.Seen, a.LossSum + b.LossSum,
        a.LossWithoutMarginSum + b.LossWithoutMarginSum, a.Correct + b.Correct, a.CorrectWithoutMargin + b.CorrectWithoutMargin);

    private static BatchTotals CheckFinite(int epoch, BatchTotals totals, double[] learningRates)
    {
        if (totals.NonFiniteBatch >= 0)
            throw new TrainingDivergedException(epoch, totals.NonFiniteBatch, totals.NonFiniteLoss, learningRates[totals.NonFiniteBatch],
                "Lower the learning rate or the head's scale s, add a softmax warm-up (SoftmaxWarmupEpochs), or check the input for extreme values.",
                RunRules.DivergenceHints);
        return totals;
    }

    private int[] DropOutliers(CosineMarginHead head, double thresholdDegrees)
    {
        var train = _setup.Train;
        var embeddings = _session.Embed(train);
        _session.PushToEngine();
        var tensor = new Tensor(embeddings, train.Count, TensorShape.Vector(head.EmbeddingSize));
        var drop = new HashSet<int>(SubCenterOutliers.FindOutliers(head, tensor, train.Labels!, thresholdDegrees));
        return _run.ActiveRows.Where(r => !drop.Contains(r)).ToArray();
    }
}

using MLNetMarginLoss.Data;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Losses;
using MLNetMarginLoss.Engine.Optimizers;
using MLNetMarginLoss.Heads;
using MLNetMarginLoss.Training.Distributed;

namespace MLNetMarginLoss.Training;

/// <summary>
/// The engine's <see cref="TrainingSession"/>: the loop's encoder and head are the live objects. A step gathers the
/// rows (augmenting images if asked; sparse rows stay sparse into the encoder's first Linear layer), runs encoder and
/// head forward, computes the loss without margin from the same forward pass, the cross-entropy in place over the
/// logits, back-propagates, and updates the dense parameters with the optimizer and the class centres' rows of the pass
/// with a <see cref="RowOptimizer"/> sharing its update rule (with Partial FC, only the sampled classes' centres). A
/// batch whose loss is not finite is not applied. Kernels and threads
/// come from the settings (<see cref="ComputeContext"/>); results are bit-identical for a fixed seed and thread count.
/// With several processes (<see cref="TrainingSetup.Distributed"/>), steps and evaluation are
/// <see cref="DistributedEngineStep"/>'s.
/// </summary>
internal sealed class EngineSession : TrainingSession
{
    private const int EvaluationBatch = 512;

    private readonly ComputeContext _context;
    private readonly Optimizer _optimizer;
    private readonly RowOptimizer? _centers;
    private readonly RowOptimizer.GradientRows? _gradientRow;
    private readonly SoftmaxCrossEntropy _loss = new();
    private readonly BatchFeeder _feeder;
    private readonly DistributedEngineStep? _distributed;
    private BatchTotals[] _batches = [];
    private bool _margin = true;

    public EngineSession(TrainingSetup setup) : base(setup)
    {
        var s = setup.Settings;
        _context = ComputeContext.Create(s.GemmProvider, s.Threads);
        Encoder.Context = _context;
        Head.Context = _context;
        _optimizer = OptimizerFactory.Create(s,
        [
            new ParameterGroup(Encoder.Network.AllParameters().ToList()),
            new ParameterGroup(Head.Parameters.ToList(), s.HeadLearningRateMultiplier),
        ]);
        if (Head is CosineMarginHead cosine)
        {
            cosine.Centers.Context = _context;
            _centers = new RowOptimizer(_optimizer, cosine.Centers.Weight, s.HeadLearningRateMultiplier);
            _gradientRow = cosine.Centers.GradientRow; // one delegate for the run: a step allocates nothing
        }
        _feeder = new BatchFeeder(setup.Train, s.BatchSize, s.Augmentation);
        if (setup.Distributed is { } world) _distributed = new DistributedEngineStep(world, setup, _feeder, _optimizer, _centers, _loss);
    }

    /// <inheritdoc />
    public override void BeginEpoch(int epoch, int batches, SeededRandom random, bool marginActive)
    {
        Encoder.Network.SeedRandomness(random.Fork());
        Head.SeedRandomness(random.Fork());
        _feeder.AugmentationRandom = random.Fork();
        Head.MarginEnabled = marginActive;
        _margin = marginActive;
        _batches = new BatchTotals[Math.Max(1, batches)];
    }

    /// <inheritdoc />
    public override void Step(int batch, ReadOnlySpan<int> rows, float learningRate)
    {
        if (_distributed is not null)
        {
            _batches[batch] = _distributed.Step(batch, rows, learningRate, _margin);
            return;
        }
        var embeddings = _feeder.IsSparse
            ? Encoder.Forward(_feeder.GatherSparse(rows, 0, rows.Length), training: true)
            : Encoder.Forward(_feeder.Gather(rows, 0, rows.Length), training: true);
        var logits = Head.Forward(embeddings, _feeder.Labels, training: true);
        double withoutMargin = Head.LossWithoutMargin(out int correctWithoutMargin);
        double loss = _loss.ForwardInPlace(logits, Head.ColumnLabels) + (_margin ? Head.AuxiliaryLoss : 0);
        int n = rows.Length;
        _batches[batch] = double.IsFinite(loss)
            ? new BatchTotals(n, loss * n, withoutMargin * n, _loss.Correct, correctWithoutMargin)
            : new BatchTotals(n, 0, 0, 0, 0, batch, loss);
        if (!double.IsFinite(loss)) return;
        Encoder.Backward(Head.Backward(logits));
        _optimizer.LearningRate = learningRate;
        _optimizer.Step();
        if (_centers is not null && Head is CosineMarginHead cosine)
        {
            var centres = cosine.Centers;
            if (centres.GradientIsFull || Setup.Settings.SampledCentreUpdates == SampledCentreUpdates.Lazy) _centers.Step(centres.GradientRows, _gradientRow!);
            else _centers.StepAll(centres.GradientRows, _gradientRow!);
        }
    }

    /// <inheritdoc />
    public override BatchTotals Read(int from, int to)
    {
        long seen = 0, correct = 0, correctWithoutMargin = 0;
        double loss = 0, withoutMargin = 0;
        for (int b = from; b < to; b++)
        {
            var t = _batches[b];
            if (t.NonFiniteBatch >= 0) return t;
            seen += t.Seen; loss += t.LossSum; withoutMargin += t.LossWithoutMarginSum; correct += t.Correct; correctWithoutMargin += t.CorrectWithoutMargin;
        }
        return new BatchTotals(seen, loss, withoutMargin, correct, correctWithoutMargin);
    }

    /// <inheritdoc />
    public override (double Loss, double Accuracy) Evaluate(Dataset data)
    {
        if (_distributed is not null) return _distributed.Evaluate(data);
        var feeder = new BatchFeeder(data, EvaluationBatch);
        double lossSum = 0;
        long correct = 0;
        for (int start = 0; start < data.Count; start += EvaluationBatch)
        {
            int count = Math.Min(EvaluationBatch, data.Count - start);
            var logits = Head.Predict(Forward(feeder, start, count));
            lossSum += _loss.LossOnly(logits, feeder.Labels, 1f, out int right) * count;
            correct += right;
        }
        return (lossSum / Math.Max(1, data.Count), (double)correct / Math.Max(1, data.Count));
    }

    /// <inheritdoc />
    public override float[] Embed(Dataset data)
    {
        int e = Encoder.EmbeddingSize;
        var embeddings = new float[checked(data.Count * e)];
        var feeder = new BatchFeeder(data, EvaluationBatch);
        for (int start = 0; start < data.Count; start += EvaluationBatch)
        {
            int count = Math.Min(EvaluationBatch, data.Count - start);
            Forward(feeder, start, count).Span.CopyTo(embeddings.AsSpan(start * e));
        }
        return embeddings;
    }

    /// <summary>The inference-mode embeddings of rows [start, start + count), dense or sparse.</summary>
    private Tensor Forward(BatchFeeder feeder, int start, int count) => feeder.IsSparse
        ? Encoder.Forward(feeder.SliceSparse(start, count), training: false)
        : Encoder.Forward(feeder.Slice(start, count), training: false);

    /// <inheritdoc />
    public override OptimizerState GetOptimizerState()
    {
        var dense = _optimizer.GetState();
        return _centers is null ? dense : new OptimizerState(dense.StepCount, [.. dense.Slots, .. _centers.GetState(CentreSlotPrefix)]);
    }

    /// <inheritdoc />
    public override void SetOptimizerState(OptimizerState state)
    {
        var (dense, centres) = Split(state, _optimizer.GetState().Slots.Count);
        _optimizer.SetState(dense);
        _centers?.SetState(CentreSlotPrefix, centres);
    }

    /// <summary>The name prefix of the class centres' optimizer slots in a checkpoint.</summary>
    internal const string CentreSlotPrefix = "centers";

    /// <summary>Splits a checkpoint's optimizer state into the dense optimizer's (the first <paramref name="denseSlots"/>) and the centres' (by name).</summary>
    internal static (OptimizerState Dense, IReadOnlyDictionary<string, float[]> Centres) Split(OptimizerState state, int denseSlots)
    {
        if (state.Slots.Count < denseSlots)
            throw new ArgumentException($"Optimizer state has {state.Slots.Count} slots, expected at least {denseSlots}.", nameof(state));
        var dense = new OptimizerState(state.StepCount, state.Slots.Take(denseSlots).ToList());
        var centres = state.Slots.Skip(denseSlots).ToDictionary(s => s.Name, s => s.Values);
        return (dense, centres);
    }

    /// <inheritdoc />
    public override Dictionary<string, string> Describe() => new()
    {
        ["backend"] = "engine", ["gemm"] = _context.Provider.ToString(), ["threads"] = _context.DegreeOfParallelism.ToString(),
    };

    /// <inheritdoc />
    public override void Dispose()
    {
        Encoder.Context = ComputeContext.Default;
        Head.Context = ComputeContext.Default;
        if (Head is CosineMarginHead cosine) cosine.Centers.Context = ComputeContext.Default;
        _context.Dispose();
    }
}

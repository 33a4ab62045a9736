using System.Numerics.Tensors;
using MLNetMarginLoss.Data;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Layers;
using MLNetMarginLoss.Engine.Losses;
using MLNetMarginLoss.Engine.Optimizers;
using MLNetMarginLoss.Heads;
using Tensor = MLNetMarginLoss.Engine.Tensor;

namespace MLNetMarginLoss.Training.Distributed;

/// <summary>
/// The engine session's step when several processes train together (<see cref="EngineSession"/> hands its step and its
/// evaluation to this class). Each process takes its part of the global batch (<see cref="BatchPartition"/>), runs the
/// encoder forward on it (dropout masks as one process would draw them for these rows, see
/// <see cref="Dropout.Window"/>), then:
/// <list type="bullet">
/// <item>a class-sharded cosine head: <see cref="ClassShardedLoss"/> (embeddings gathered, distributed softmax, the
/// embedding gradient reduce-scattered), so every process knows the global loss before backward and all skip a
/// non-finite batch together;</item>
/// <item>a replicated dense head (the plain softmax head): the head's forward and loss on the local rows, ∂L/∂logits
/// scaled by n_r/m (this process's share of the global mean), the loss sums carried at the end of the gradient
/// message;</item>
/// </list>
/// then the encoder's backward, one all-reduce (sum) of the dense gradients (<see cref="FusedGradients"/>) and the
/// optimizer step; a sharded head's centre rows are updated locally by this process's <see cref="RowOptimizer"/>.
/// <para>
/// Batch norm: each process normalises with its own rows' statistics (PyTorch DDP's default; no synchronised batch
/// norm), so a network with batch norm trains like one process only up to that difference; running statistics are
/// rank 0's (broadcast after every epoch, as DDP broadcasts rank 0's buffers). Augmentation is drawn per process (it is
/// not the single process's draw for the same rows).
/// </para>
/// </summary>
internal sealed class DistributedEngineStep
{
    private const int EvaluationBatch = 512;

    private readonly Communicator _world;
    private readonly TrainingSetup _setup;
    private readonly BatchFeeder _feeder;
    private readonly Optimizer _optimizer;
    private readonly RowOptimizer? _centres;
    private readonly SoftmaxCrossEntropy _loss;
    private readonly FusedGradients _gradients;
    private readonly ClassShardedLoss? _sharded;
    private readonly Dropout[] _dropouts;
    private readonly Tensor _empty;
    private readonly float[] _extras = new float[5];
    private int[] _labels = [];

    public DistributedEngineStep(DistributedRun run, TrainingSetup setup, BatchFeeder feeder, Optimizer optimizer, RowOptimizer? centres, SoftmaxCrossEntropy loss)
    {
        _world = run.World;
        _setup = setup;
        _feeder = feeder;
        _optimizer = optimizer;
        _centres = centres;
        _loss = loss;
        _gradients = new FusedGradients(setup.Encoder.Network.AllParameters().Concat(setup.Head.Parameters), _extras.Length);
        if (setup.Head is CosineMarginHead { Shard: not null } shard) _sharded = new ClassShardedLoss(_world, shard);
        _dropouts = Layers(setup.Encoder.Network).OfType<Dropout>().ToArray();
        _empty = new Tensor(0, TensorShape.Vector(setup.Encoder.EmbeddingSize));
    }

    /// <summary>One training step on the global batch <paramref name="rows"/>; returns the global batch's totals.</summary>
    public BatchTotals Step(int batch, ReadOnlySpan<int> rows, float learningRate, bool margin)
    {
        var encoder = _setup.Encoder;
        var head = _setup.Head;
        int m = rows.Length;
        var (first, count) = BatchPartition.Part(m, _world.Size, _world.Rank);
        foreach (var d in _dropouts) d.Window = (first, m);
        var embeddings = _feeder.IsSparse
            ? encoder.Forward(_feeder.GatherSparse(rows.Slice(first, count), 0, count), training: true)
            : encoder.Forward(_feeder.Gather(rows.Slice(first, count), 0, count), training: true);
        BatchTotals totals;
        if (_sharded is not null)
        {
            if (_labels.Length < m) _labels = new int[m];
            var all = _setup.Train.Labels!;
            for (int i = 0; i < m; i++) _labels[i] = all[rows[i]];
            totals = _sharded.Forward(batch, embeddings, _labels.AsSpan(0, m), margin);
            if (totals.NonFiniteBatch >= 0) return totals;
            encoder.Backward(_sharded.Backward());
            _gradients.AllReduce(_world, []);
        }
        else
        {
            var logits = head.Forward(embeddings, _feeder.Labels, training: true);
            double withoutMargin = head.LossWithoutMargin(out int correctWithoutMargin);
            double loss = _loss.ForwardInPlace(logits, head.ColumnLabels) + (margin ? head.AuxiliaryLoss : 0);
            TensorPrimitives.Multiply(logits.Span, (float)count / m, logits.Span);
            encoder.Backward(head.Backward(logits));
            _extras[0] = count;
            _extras[1] = (float)(loss * count);
            _extras[2] = (float)(withoutMargin * count);
            _extras[3] = _loss.Correct;
            _extras[4] = correctWithoutMargin;
            _gradients.AllReduce(_world, _extras);
            double sum = _extras[1];
            totals = double.IsFinite(sum)
                ? new BatchTotals(m, sum, _extras[2], (long)_extras[3], (long)_extras[4])
                : new BatchTotals(m, 0, 0, 0, 0, batch, sum / m);
            if (totals.NonFiniteBatch >= 0) return totals;
        }
        _optimizer.LearningRate = learningRate;
        _optimizer.Step();
        if (_centres is not null && head is CosineMarginHead cosine)
        {
            var centres = cosine.Centers;
            _centres.Step(centres.GradientRows, centres.GradientRow);
        }
        return totals;
    }

    /// <summary>Loss and accuracy of the inference path on <paramref name="data"/>, each process scoring its part of every batch.</summary>
    public (double Loss, double Accuracy) Evaluate(Dataset data)
    {
        var encoder = _setup.Encoder;
        var feeder = new BatchFeeder(data, EvaluationBatch);
        int size = _world.Size, step = EvaluationBatch * size;
        var labels = data.Labels!;
        double lossSum = 0;
        long correct = 0;
        for (int start = 0; start < data.Count; start += step)
        {
            int m = Math.Min(step, data.Count - start);
            var (first, count) = BatchPartition.Part(m, size, _world.Rank);
            var embeddings = count == 0 ? _empty
                : feeder.IsSparse ? encoder.Forward(feeder.SliceSparse(start + first, count), training: false)
                : encoder.Forward(feeder.Slice(start + first, count), training: false);
            if (_sharded is not null)
            {
                var (loss, right) = _sharded.Evaluate(embeddings, labels.AsSpan(start, m));
                lossSum += loss;
                correct += right;
            }
            else if (count > 0)
            {
                var logits = _setup.Head.Predict(embeddings);
                lossSum += _loss.LossOnly(logits, feeder.Labels, 1f, out int right) * count;
                correct += right;
            }
        }
        if (_sharded is null)
        {
            Span<double> sums = [lossSum, correct];
            _world.AllReduce(sums, ReduceOperation.Sum);
            (lossSum, correct) = (sums[0], (long)sums[1]);
        }
        return (lossSum / Math.Max(1, data.Count), (double)correct / Math.Max(1, data.Count));
    }

    private static IEnumerable<Layer> Layers(Layer layer)
    {
        yield return layer;
        foreach (var (_, child) in layer.Children)
            foreach (var l in Layers(child)) yield return l;
    }
}

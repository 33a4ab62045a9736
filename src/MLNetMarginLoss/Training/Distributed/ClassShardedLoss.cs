using System.Numerics.Tensors;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Heads;
using Tensor = MLNetMarginLoss.Engine.Tensor;

namespace MLNetMarginLoss.Training.Distributed;

/// <summary>
/// The class-sharded head's step across processes (insightface's <c>partial_fc_v2</c> with a distributed
/// cross-entropy): no process ever holds every class centre.
/// <list type="number">
/// <item>All-gather the processes' embeddings (their parts of the global batch, in rank order) into X [m, E]; the
/// global labels need no message (every process holds the batch's row ids and the label column).</item>
/// <item>The shard head's forward on X: cosines against this shard's columns (all of its classes, or its Partial FC
/// sample), target cosines and margin statistics summed over the shards, logits z [m, S_r] (−1 labels where a row's
/// class lives elsewhere).</item>
/// <item>Distributed softmax: M_i = max over every shard's columns (all-reduce max, with the plain s·cos θ logits'
/// maxima in the same message); then one all-reduce sum of Σ_j e^(z_ij − M_i), the target logit z_iy (from the shard that
/// holds it), the same two for the plain logits, and the arg-max counts. Loss = (1/m) Σ_i [ln S_i − (z_iy − M_i)],
/// the same number on every process; ∂L/∂z_ij = (e^(z_ij − M_i)/S_i − [j = y_i]) / m on this shard's columns,
/// written over the logits.</item>
/// <item>The shard head's backward: the gradient of this shard's centre rows (complete: a column's gradient needs only
/// its own logits), and its part of ∂L/∂X for every row; a reduce-scatter sums the parts over the shards and hands each
/// process the rows of its own embeddings, ready for the encoder's backward.</item>
/// </list>
/// Per step: E·m floats gathered, 2m floats max-reduced, 4m + 2 doubles sum-reduced, plus the head's m (target
/// cosines) and, for AdaCos, 2 doubles; E·m floats reduce-scattered — independent of the number of classes.
/// </summary>
internal sealed class ClassShardedLoss
{
    private readonly Communicator _world;
    private readonly CosineMarginHead _head;
    private readonly Tensor _gathered = new(0, TensorShape.Vector(1));
    private readonly Tensor _localGradient = new(0, TensorShape.Vector(1));
    private readonly int[] _counts;
    private float[] _max = [];
    private double[] _sums = [];
    private float[] _row = [];
    private Tensor? _logits;

    /// <summary>The step over <paramref name="head"/>, a shard head (<see cref="CosineMarginHead.Shard"/> set).</summary>
    public ClassShardedLoss(Communicator world, CosineMarginHead head)
    {
        if (head.Shard is null) throw new ArgumentException("The head is not a class shard.", nameof(head));
        _world = world;
        _head = head;
        _counts = new int[world.Size];
    }

    /// <summary>
    /// Forward and loss of a training step: <paramref name="localEmbeddings"/> are this process's rows of a global batch
    /// of <paramref name="labels"/>.Length rows; returns the global batch's totals (the same on every process) and
    /// leaves ∂L/∂logits for <see cref="Backward"/>.
    /// </summary>
    public BatchTotals Forward(int batch, Tensor localEmbeddings, ReadOnlySpan<int> labels, bool margin)
    {
        int m = labels.Length;
        var x = Gather(localEmbeddings, m);
        var logits = _head.Forward(x, labels, training: true);
        _logits = logits;
        var cosines = _head.LastBatch.Cosines;
        var columnLabels = _head.ColumnLabels;
        float scale = (float)_head.Scale;
        int s = logits.RowSize;
        Ensure(m, s);

        var max = _max.AsSpan(0, 2 * m);
        for (int i = 0; i < m; i++)
        {
            max[i] = TensorPrimitives.Max(logits.Row(i));
            max[m + i] = scale * TensorPrimitives.Max(cosines.Row(i));
        }
        _world.AllReduce(max, ReduceOperation.Max);

        var sums = _sums.AsSpan(0, 4 * m + 2);
        sums.Clear();
        var plain = _row.AsSpan(0, s);
        for (int i = 0; i < m; i++)
        {
            var z = logits.Row(i);
            int y = columnLabels[i];
            float top = max[i], plainTop = max[m + i];
            TensorPrimitives.Multiply(cosines.Row(i), scale, plain);
            if (y >= 0)
            {
                sums[2 * m + i] = z[y];
                sums[3 * m + i] = plain[y];
                if (z[y] >= top) sums[4 * m]++;
                if (plain[y] >= plainTop) sums[4 * m + 1]++;
            }
            TensorPrimitives.Subtract(z, top, z);
            TensorPrimitives.Exp(z, z);
            sums[i] = TensorPrimitives.Sum<float>(z);
            TensorPrimitives.Subtract(plain, plainTop, plain);
            TensorPrimitives.Exp(plain, plain);
            sums[m + i] = TensorPrimitives.Sum<float>(plain);
        }
        _world.AllReduce(sums, ReduceOperation.Sum);

        double total = 0, totalPlain = 0;
        float inverse = 1f / m;
        for (int i = 0; i < m; i++)
        {
            total += Math.Log(sums[i]) - (sums[2 * m + i] - max[i]);
            totalPlain += Math.Log(sums[m + i]) - (sums[3 * m + i] - max[m + i]);
            var g = logits.Row(i);
            TensorPrimitives.Multiply(g, inverse / (float)sums[i], g);
            int y = columnLabels[i];
            if (y >= 0) g[y] -= inverse;
        }
        double loss = total / m + (margin ? _head.AuxiliaryLoss : 0);
        return double.IsFinite(loss)
            ? new BatchTotals(m, loss * m, totalPlain, (long)sums[4 * m], (long)sums[4 * m + 1])
            : new BatchTotals(m, 0, 0, 0, 0, batch, loss);
    }

    /// <summary>∂L/∂(this process's embeddings) after <see cref="Forward"/>; writes the shard's centre-row gradients.</summary>
    public Tensor Backward()
    {
        var logits = _logits ?? throw new InvalidOperationException("Backward was called before Forward.");
        var dx = _head.Backward(logits);
        int e = _head.EmbeddingSize;
        _localGradient.Reshape(_counts[_world.Rank] / e, TensorShape.Vector(e));
        _world.ReduceScatter<float>(dx.Span, _localGradient.Span, _counts);
        return _localGradient;
    }

    /// <summary>
    /// Inference loss and arg-max hits (s·cos θ over every shard's classes, no margin) of a global batch whose rows this
    /// process holds <paramref name="localEmbeddings"/> of: (Σ loss, correct) over the global batch, the same on every process.
    /// </summary>
    public (double LossSum, long Correct) Evaluate(Tensor localEmbeddings, ReadOnlySpan<int> labels)
    {
        int m = labels.Length;
        var x = Gather(localEmbeddings, m);
        var logits = _head.Predict(x);
        var shard = _head.Shard!;
        Ensure(m, logits.RowSize);
        var max = _max.AsSpan(0, m);
        for (int i = 0; i < m; i++) max[i] = TensorPrimitives.Max(logits.Row(i));
        _world.AllReduce(max, ReduceOperation.Max);
        var sums = _sums.AsSpan(0, 2 * m + 1);
        sums.Clear();
        for (int i = 0; i < m; i++)
        {
            var z = logits.Row(i);
            int y = labels[i] - shard.FirstClass;
            if ((uint)y < (uint)shard.ClassCount)
            {
                sums[m + i] = z[y];
                if (z[y] >= max[i]) sums[2 * m]++;
            }
            TensorPrimitives.Subtract(z, max[i], z);
            TensorPrimitives.Exp(z, z);
            sums[i] = TensorPrimitives.Sum<float>(z);
        }
        _world.AllReduce(sums, ReduceOperation.Sum);
        double total = 0;
        for (int i = 0; i < m; i++) total += Math.Log(sums[i]) - (sums[m + i] - max[i]);
        return (total, (long)sums[2 * m]);
    }

    private Tensor Gather(Tensor localEmbeddings, int m)
    {
        int e = _head.EmbeddingSize;
        BatchPartition.Counts(m, _world.Size, e, _counts);
        _gathered.Reshape(m, TensorShape.Vector(e));
        _world.AllGather<float>(localEmbeddings.Span[..(_counts[_world.Rank])], _gathered.Span, _counts);
        return _gathered;
    }

    private void Ensure(int m, int columns)
    {
        if (_max.Length < 2 * m) _max = new float[2 * m];
        if (_sums.Length < 4 * m + 2) _sums = new double[4 * m + 2];
        if (_row.Length < columns) _row = new float[columns];
    }
}

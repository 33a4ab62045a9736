using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Losses;
using MLNetMarginLoss.Heads;
using MLNetMarginLoss.Training.Distributed;
using Tensor = MLNetMarginLoss.Engine.Tensor;

namespace MLNetMarginLoss.Mpi.Tests;

/// <summary>
/// The class-sharded head against the one-process head, one step, in an in-process world: the same loss, the same
/// gradient of every embedding and of every centre row, for a Partial FC sample (the one-process head given the union
/// of the shards' samples as its columns) and for every column.
/// </summary>
[TestClass]
public sealed class ShardedHeadTests
{
    private const int Classes = 21, Embedding = 8, Rows = 13;

    [TestMethod]
    [DataRow(HeadKind.ArcFace, 0.4, 2)]
    [DataRow(HeadKind.ArcFace, 0.4, 3)]
    [DataRow(HeadKind.SubCenter, 0.5, 2)]
    [DataRow(HeadKind.CosFace, 1.0, 2)]
    [DataRow(HeadKind.AdaCos, 1.0, 2)]
    [DataRow(HeadKind.MagFace, 1.0, 3)]
    [DataRow(HeadKind.Curricular, 1.0, 2)]
    public void ShardedHeadEqualsTheOneProcessHeadOnTheSameColumns(HeadKind kind, double sampleRate, int processes)
    {
        var options = kind switch
        {
            HeadKind.AdaCos => new HeadOptions(),
            HeadKind.MagFace => new HeadOptions { Scale = 16 },
            HeadKind.CosFace => new HeadOptions { Scale = 16, Margin = 0.2 },
            _ => new HeadOptions { Scale = 16, Margin = 0.3 },
        };
        var random = new SeededRandom(5);
        var x = new Tensor(Rows, TensorShape.Vector(Embedding));
        foreach (ref var v in x.Span) v = (float)(random.NextGaussian() * (kind == HeadKind.MagFace ? 30 : 1));
        var labels = Enumerable.Range(0, Rows).Select(_ => random.NextInt(Classes)).ToArray();

        var shards = new LoopbackWorld(processes).Run(world =>
        {
            var head = HeadFactory.CreateShard(kind, Embedding, new ClassShard(world.Rank, world.Size, Classes, new ShardReduction(world)), options);
            head.Initialize(new SeededRandom(7));
            if (sampleRate < 1)
            {
                head.Sampler = new PartialFcSampler(head.Centers.ClassCount, sampleRate);
                head.SeedRandomness(new SeededRandom(11));
            }
            var (first, count) = BatchPartition.Part(Rows, world.Size, world.Rank);
            var local = new Tensor(count, TensorShape.Vector(Embedding));
            x.Span.Slice(first * Embedding, count * Embedding).CopyTo(local.Span);
            var step = new ClassShardedLoss(world, head);
            var totals = step.Forward(0, local, labels, margin: true);
            var dx = step.Backward().Span.ToArray();
            int k = head.SubCenters, offset = head.Shard!.FirstClass;
            var columns = head.ColumnClasses.Select(c => c + offset).ToArray();
            var gradientRows = head.Centers.GradientRows.ToArray();
            var gradients = Enumerable.Range(0, gradientRows.Length).ToDictionary(i => gradientRows[i] + (long)offset * k, i => head.Centers.GradientRow(i).ToArray());
            var weights = Enumerable.Range(0, head.Centers.RowCount).ToDictionary(r => r + (long)offset * k, r => head.Centers.Weight.Row(r).ToArray());
            return (Totals: totals, Dx: dx, Columns: columns, Gradients: gradients, Weights: weights);
        });

        var whole = (CosineMarginHead)HeadFactory.Create(kind, Embedding, Classes, options);
        whole.Initialize(new SeededRandom(7));
        foreach (var (row, values) in shards.SelectMany(s => s.Weights))
            CollectionAssert.AreEqual(whole.Centers.Weight.Row(row).ToArray(), values, $"a shard's initial centre row {row} is the one-process head's");

        var union = shards.SelectMany(s => s.Columns).ToArray();
        CollectionAssert.AreEqual(union.Order().ToArray(), union, "the shards' columns, in rank order, are ascending");
        var logits = whole.ForwardOnColumns(x, labels, union);
        var crossEntropy = new SoftmaxCrossEntropy();
        double loss = crossEntropy.ForwardInPlace(logits, whole.ColumnLabels) + whole.AuxiliaryLoss;
        var dxWhole = whole.Backward(logits).Span.ToArray();

        foreach (var s in shards)
            Assert.AreEqual(loss, s.Totals.LossSum / Rows, Math.Abs(loss) * 1e-6, "the loss, on every process");
        var dx = shards.SelectMany(s => s.Dx).ToArray();
        DataParallelTests.AssertClose(dxWhole, dx, 1e-6, "∂L/∂x");
        var expectedRows = whole.Centers.GradientRows.ToArray();
        var gradients = shards.SelectMany(s => s.Gradients).ToDictionary(p => p.Key, p => p.Value);
        CollectionAssert.AreEquivalent(expectedRows, gradients.Keys.ToArray(), "the centre rows with a gradient");
        for (int i = 0; i < expectedRows.Length; i++)
            DataParallelTests.AssertClose(whole.Centers.GradientRow(i).ToArray(), gradients[expectedRows[i]], 1e-6, $"∂L/∂w of centre row {expectedRows[i]}");
    }

    [TestMethod]
    public void TooFewClassesForTheProcessesAreRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => new ClassShard(0, 4, 7, new ShardReduction(Communicator.SingleProcess)));
        StringAssert.Contains(error.Message, "7 classes cannot be sharded over 4 processes");
    }
}

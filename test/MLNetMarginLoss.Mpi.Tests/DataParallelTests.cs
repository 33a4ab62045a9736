using MLNetMarginLoss.Heads;
using MLNetMarginLoss.MLNet;
using MLNetMarginLoss.Mpi.TestHost;
using MLNetMarginLoss.Training;

namespace MLNetMarginLoss.Mpi.Tests;

/// <summary>
/// Training across processes in an in-process world of two (<see cref="LoopbackWorld"/>, deterministic): two processes
/// × batch b against one process × batch 2b with the same seed, checkpoints across world sizes, and the errors.
/// </summary>
[TestClass]
public sealed class DataParallelTests
{
    /// <summary>Largest relative difference allowed between the two runs' losses at any step (float summation order; measured ≤ 4e-7).</summary>
    internal const double LossTolerance = 1e-5;

    /// <summary>Largest absolute difference allowed between any two final weights (|w| ≲ 0.5; measured ≤ 4e-6 after 14 Adam steps).</summary>
    internal const double WeightTolerance = 1e-4;

    [TestMethod]
    [DataRow("mlp")]
    [DataRow("cnn")]
    public void TwoProcessesOfBatchBTrainAsOneProcessOfBatch2B(string encoder)
    {
        var job = new TestJob { Encoder = encoder, Validation = true };
        var ranks = new LoopbackWorld(2).Run(c => job.Train(c));
        var single = job.Train(null);

        AssertSameTraining(single, ranks[0]);
        AssertRankZeroHasTheWholeHeadAndTheOthersTheirShards(ranks.Select(r => r.Network).ToArray());
        var distributedValidation = ranks[0].Network.History.Epochs.Select(e => e.ValidationLoss!.Value).ToArray();
        var singleValidation = single.Network.History.Epochs.Select(e => e.ValidationLoss!.Value).ToArray();
        for (int i = 0; i < singleValidation.Length; i++)
            Assert.AreEqual(singleValidation[i], distributedValidation[i], singleValidation[i] * LossTolerance, $"validation loss of epoch {i + 1}");
    }

    /// <summary>Sparse rows (text features) go to each process's share of the batch as sparse batches, with the same result.</summary>
    [TestMethod]
    public void SparseRowsTrainAcrossProcessesAsInOne()
    {
        var job = new TestJob { Sparse = true, Validation = true };
        Assert.IsTrue(job.Data().Train.IsSparse);
        var ranks = new LoopbackWorld(2).Run(c => job.Train(c));
        AssertSameTraining(job.Train(null), ranks[0]);
    }

    /// <summary>Every head state that needs all classes or all rows: the replicated softmax head, AdaCos's statistics, MagFace's regulariser, CurricularFace's t, sub-centres, ElasticFace's random margins.</summary>
    [TestMethod]
    [DataRow(HeadKind.Softmax)]
    [DataRow(HeadKind.AdaCos)]
    [DataRow(HeadKind.MagFace)]
    [DataRow(HeadKind.Curricular)]
    [DataRow(HeadKind.SubCenter)]
    [DataRow(HeadKind.ElasticFace)]
    public void EveryHeadTrainsAcrossProcessesAsInOne(HeadKind head)
    {
        var job = new TestJob { Head = head, Epochs = 1 };
        var ranks = new LoopbackWorld(2).Run(c => job.Train(c));
        var single = job.Train(null);
        AssertSameTraining(single, ranks[0]);
    }

    [TestMethod]
    public void ThreeProcessesWithUnevenShardsTrainAsOneProcess()
    {
        // 11 classes over 3 processes (3, 4, 4 classes); a last batch of 8 rows split 2, 3, 3.
        var job = new TestJob { Classes = 11, SamplesPerClass = 8, BatchSize = 8, Epochs = 1 };
        var ranks = new LoopbackWorld(3).Run(c => job.Train(c));
        var single = job with { BatchSize = 12 };
        var reference = single.Train(null);
        AssertSameTraining(reference, ranks[0]);
    }

    [TestMethod]
    public void ClassShardedPartialFcGivesRankZeroTheCompleteModelAndTheOthersTheirShards()
    {
        var job = new TestJob { Classes = 40, SampleRate = 0.25, Epochs = 3 };
        var ranks = new LoopbackWorld(2).Run(c => job.Train(c));
        AssertRankZeroHasTheWholeHeadAndTheOthersTheirShards(ranks.Select(r => r.Network).ToArray());
        Assert.IsLessThan(ranks[0].Losses[0] * 0.7, ranks[0].Losses[^1], "training lowers the loss");

        // What a user meets on rank 1: an embedding model (the same encoder), which refuses to classify and says where the classifier is.
        var columns = ColumnNames.From(new ArcFaceTrainer.Options());
        using var whole = new ArcFaceTransformer(ranks[0].Network, columns, "engine");
        using var shard = new ArcFaceTransformer(ranks[1].Network, columns, "engine");
        Assert.IsFalse(whole.IsEmbeddingModel);
        Assert.IsTrue(shard.IsEmbeddingModel);
        StringAssert.StartsWith(shard.EmbeddingModelReason, "this process is rank 1 of 2 of a class-sharded training run and holds the centres of classes 20 to 39 of 40 only");
        var e = Assert.ThrowsExactly<ArgumentException>(() => shard.ClassCenters());
        StringAssert.Contains(e.Message, "rank 0's model has the whole head");
        var data = job.Data().Train;
        Assert.ThrowsExactly<InvalidOperationException>(() => ranks[1].Network.Transform(data));
        CollectionAssert.AreEqual(Embeddings(ranks[0].Network, data), Embeddings(ranks[1].Network, data), "both processes embed alike");
    }

    /// <summary>
    /// The end of a distributed run: rank 0 returns the whole model; every other process the same encoder with its own
    /// class shard of a cosine head (bit-identical to those rows of rank 0's head) or the same replicated softmax head.
    /// </summary>
    internal static void AssertRankZeroHasTheWholeHeadAndTheOthersTheirShards(TrainedNetwork[] ranks)
    {
        float[] EncoderWeights(TrainedNetwork n) => [.. n.Encoder.Network.NamedState().SelectMany(s => s.Parameter.Value)];
        var zero = ranks[0];
        Assert.IsNull(zero.PartialHeadReason);
        for (int r = 1; r < ranks.Length; r++)
        {
            CollectionAssert.AreEqual(EncoderWeights(zero), EncoderWeights(ranks[r]), $"rank {r}'s encoder");
            if (zero.Head is not CosineMarginHead whole)
            {
                CollectionAssert.AreEqual(TestJob.Weights(zero), TestJob.Weights(ranks[r]), $"rank {r}'s replicated head");
                continue;
            }
            Assert.IsNull(whole.Shard);
            Assert.AreEqual(zero.ClassNames.Count, whole.Centers.ClassCount, "rank 0's head holds every class");
            var part = (CosineMarginHead)ranks[r].Head;
            var shard = part.Shard!;
            Assert.AreEqual(r, shard.Index);
            Assert.AreEqual(ClassShard.Range(zero.ClassNames.Count, ranks.Length, r), (shard.FirstClass, shard.ClassCount));
            int k = whole.SubCenters, e = whole.EmbeddingSize;
            var rows = whole.Centers.Weight.ToArray().AsSpan(shard.FirstClass * k * e, shard.ClassCount * k * e).ToArray();
            CollectionAssert.AreEqual(rows, part.Centers.Weight.ToArray(), $"rank {r}'s centres are rank 0's rows of its classes");
            StringAssert.Contains(ranks[r].PartialHeadReason, $"rank {r} of {ranks.Length}");
        }
    }

    private static float[] Embeddings(TrainedNetwork network, MLNetMarginLoss.Data.Dataset data)
    {
        var batch = new MLNetMarginLoss.Engine.Tensor(data.Count, data.FeatureShape);
        data.Features.CopyTo(batch.Span);
        return network.Encoder.Forward(batch, training: false).Span.ToArray();
    }

    [TestMethod]
    [DataRow(2, 1)]
    [DataRow(1, 2)]
    public void ACheckpointResumesWithAnotherNumberOfProcesses(int firstProcesses, int thenProcesses)
    {
        string directory = Path.Combine(Path.GetTempPath(), $"mlnet-margin-mpi-{Guid.NewGuid():N}");
        try
        {
            // Every column (a Partial FC sample differs between world sizes): the centres are still sharded, and the
            // checkpoint holds them, their Adam state and the early-stopping copy in one process's layout.
            var job = new TestJob { Classes = 20, Validation = true, Patience = 5, CheckpointDirectory = directory };
            Run(job with { Epochs = 2 }, firstProcesses);
            var resumed = Run(job with { Epochs = 3 }, thenProcesses);
            var uninterrupted = Run(job with { Epochs = 3, CheckpointDirectory = null }, thenProcesses);
            Assert.AreEqual(uninterrupted.Losses.Count / 3, resumed.Losses.Count, "only the third epoch ran");
            AssertClose(TestJob.Weights(uninterrupted.Network), TestJob.Weights(resumed.Network), WeightTolerance, "weights after resuming");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [TestMethod]
    public void AWorldOfOneProcessTrainsExactlyAsNoCommunicator()
    {
        var job = new TestJob { Classes = 20, SampleRate = 0.5 };
        var alone = job.Train(null, processes: 1);
        var world = job.Train(Communicator.SingleProcess);
        CollectionAssert.AreEqual(alone.Losses, world.Losses);
        CollectionAssert.AreEqual(TestJob.Weights(alone.Network), TestJob.Weights(world.Network));
    }

    [TestMethod]
    public void TrainingAcrossProcessesNeedsTheEngineBackend()
    {
        var options = new ArcFaceTrainer.Options { Communicator = new LoopbackWorld(2).Members[0], Backend = new OtherBackend() };
        var error = Assert.Throws<ArgumentException>(() => new ArcFaceTrainer(options));
        StringAssert.StartsWith(error.Message, "Training across processes (Communicator, 2 processes) runs on the engine backend; the other backend trains in one process.");
    }

    [TestMethod]
    public void ProcessesWithDifferentOptionsAreRefusedWithTheOptionNamed()
    {
        var job = new TestJob();
        var error = Assert.Throws<AggregateException>(() => new LoopbackWorld(2).Run(c => (c.Rank == 1 ? job with { LearningRate = 0.01f } : job).Train(c)));
        foreach (var e in error.InnerExceptions)
        {
            Assert.IsInstanceOfType<DistributedTrainingException>(e);
            StringAssert.Contains(e.Message, "rank 1's options.LearningRate differs from rank 0's");
        }
    }

    [TestMethod]
    public void ProcessesWithDifferentDataAreRefusedWithTheDifferenceNamed()
    {
        var job = new TestJob();
        var error = Assert.Throws<AggregateException>(() => new LoopbackWorld(2).Run(c => (c.Rank == 1 ? job with { SamplesPerClass = 19 } : job).Train(c)));
        StringAssert.Contains(error.InnerExceptions[0].Message, "rank 1's training data rows differs from rank 0's (190 vs 200)");
    }

    [TestMethod]
    public void APeerThatStopsStopsTheOthersAndTheCheckpointResumes()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"mlnet-margin-mpi-{Guid.NewGuid():N}");
        try
        {
            var job = new TestJob { Epochs = 3, CheckpointDirectory = directory };
            var error = Assert.Throws<AggregateException>(() => new LoopbackWorld(2).Run(c => job.Train(c, p =>
            {
                if (c.Rank == 1 && p.Epoch == 1 && p.Batch == 3) throw new IOException("disk gone");
            })));
            var survivor = error.InnerExceptions.OfType<DistributedTrainingException>().Single();
            StringAssert.StartsWith(survivor.Message, "rank 0 of 2: another process of the job stopped");
            var resumed = job.Train(null);
            Assert.AreEqual(14, resumed.Losses.Count, "epochs 2 and 3 ran after the checkpoint of epoch 1");
            var uninterrupted = (job with { CheckpointDirectory = null }).Train(null);
            AssertClose(TestJob.Weights(uninterrupted.Network), TestJob.Weights(resumed.Network), WeightTolerance, "weights after resuming");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private sealed class OtherBackend : TrainingBackend
    {
        public override string Name => "other";

        internal override TrainingSession CreateSession(TrainingSetup setup) => throw new NotSupportedException();
    }

    private static (TrainedNetwork Network, List<double> Losses) Run(TestJob job, int processes) =>
        processes == 1 ? job.Train(null) : new LoopbackWorld(processes).Run(c => job.Train(c))[0];

    internal static void AssertSameTraining((TrainedNetwork Network, List<double> Losses) single, (TrainedNetwork Network, List<double> Losses) distributed)
    {
        Assert.AreEqual(single.Losses.Count, distributed.Losses.Count, "steps");
        for (int i = 0; i < single.Losses.Count; i++)
            Assert.AreEqual(single.Losses[i], distributed.Losses[i], Math.Abs(single.Losses[i]) * LossTolerance, $"loss of step {i + 1}");
        AssertClose(TestJob.Weights(single.Network), TestJob.Weights(distributed.Network), WeightTolerance, "final weights");
    }

    internal static void AssertClose(float[] expected, float[] actual, double tolerance, string what)
    {
        Assert.AreEqual(expected.Length, actual.Length, what + ": count");
        int worst = 0;
        for (int i = 1; i < expected.Length; i++)
            if (Math.Abs(expected[i] - actual[i]) > Math.Abs(expected[worst] - actual[worst])) worst = i;
        Assert.IsLessThanOrEqualTo(tolerance, Math.Abs(expected[worst] - actual[worst]), $"{what}: value {worst} is {actual[worst]}, expected {expected[worst]}");
    }
}

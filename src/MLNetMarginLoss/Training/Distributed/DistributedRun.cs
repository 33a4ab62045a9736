using MLNetMarginLoss.Data;
using MLNetMarginLoss.Encoders;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Optimizers;
using MLNetMarginLoss.Heads;

namespace MLNetMarginLoss.Training.Distributed;

/// <summary>
/// What the training loop does differently when several processes train one model (a <see cref="Communicator"/> of
/// more than one process); with one process the loop never creates it and runs exactly as before.
/// <list type="bullet">
/// <item>Start: every process must describe the same job (<see cref="RunFingerprint"/>); a cosine head is created as
/// this process's class shard (<see cref="ClassShard"/>: classes [⌊r·C/P⌋, ⌊(r+1)·C/P⌋), initialised to exactly the values
/// those rows get in one process), the plain softmax head is replicated; the encoder and the replicated head state
/// are broadcast from rank 0 (one message), so every process starts from rank 0's weights whatever its hardware's
/// rounding.</item>
/// <item>Steps: the global batch is <see cref="GlobalBatchSize"/> = BatchSize × processes rows of the epoch's
/// permutation, each process taking its part (<see cref="BatchPartition"/>, <see cref="DistributedEngineStep"/>).</item>
/// <item>After every epoch: batch-norm running statistics broadcast from rank 0 (what PyTorch DDP's buffer broadcast
/// leaves), and a check that the replicated weights are bit-identical on every process.</item>
/// <item>Checkpoints: in one process's format (the whole head, the centres' optimizer state for every class),
/// gathered to rank 0 page by page and written by rank 0 alone (atomically); every process restores from the same file
/// (it must see the checkpoint directory: a shared file system, or the same path on one machine) and keeps its rows,
/// so a run resumes with another number of processes as long as the global batch is the same.</item>
/// <item>End: the centres are gathered into the whole head on rank 0 alone, page by page, so rank 0's <c>Fit</c> returns
/// the complete model (the one to save); every other process keeps its shard and returns the same encoder as an
/// embedding model (<see cref="TrainedNetwork.PartialHeadReason"/>). No process but rank 0 ever holds the whole head,
/// and rank 0 only when it writes a checkpoint and at the end.</item>
/// </list>
/// </summary>
internal sealed class DistributedRun
{
    private DistributedRun(Communicator world) => World = world;

    /// <summary>The processes.</summary>
    public Communicator World { get; }

    /// <summary>Null when <paramref name="settings"/> name no communicator or one of a single process; else the run, after checking that every process describes the same job.</summary>
    /// <exception cref="DistributedTrainingException">The processes were given different options or data.</exception>
    public static DistributedRun? Create(TrainingSettings settings, Dataset train, Dataset? validation)
    {
        if (settings.Communicator is not { Size: > 1 } world) return null;
        RunFingerprint.Check(world, settings, train, validation);
        return new DistributedRun(world);
    }

    /// <summary>Rows of one step over all processes.</summary>
    public int GlobalBatchSize(int batchSize) => checked(batchSize * World.Size);

    /// <summary>This process's head: a class shard of a cosine head, or the whole plain softmax head.</summary>
    /// <exception cref="ArgumentException">Fewer than two classes per process.</exception>
    public MarginHead CreateHead(TrainingSettings settings, int embeddingSize, int classCount) => settings.Head == HeadKind.Softmax
        ? HeadFactory.Create(settings.Head, embeddingSize, classCount, settings.HeadOptions)
        : HeadFactory.CreateShard(settings.Head, embeddingSize, new ClassShard(World.Rank, World.Size, classCount, new ShardReduction(World)), settings.HeadOptions);

    /// <summary>The classes this process will hold centres for (all of them for a replicated head), before the head exists.</summary>
    public int ClassesHeld(TrainingSettings settings, int classCount) =>
        settings.Head == HeadKind.Softmax || classCount < 2 * World.Size ? classCount : ClassShard.Range(classCount, World.Size, World.Rank).Count;

    /// <summary>Copies rank 0's encoder weights and buffers and its replicated head state to every process (one broadcast).</summary>
    public void BroadcastInitialWeights(Encoder encoder, MarginHead head) =>
        Broadcast(encoder.Network.NamedState().Select(s => s.Parameter).Concat(head.Parameters).Concat(head.Buffers).ToList());

    /// <summary>End of an epoch: rank 0's batch-norm running statistics everywhere, then a check that every process holds the same replicated weights.</summary>
    /// <exception cref="DistributedTrainingException">The processes' weights differ.</exception>
    public void EndEpoch(Encoder encoder, MarginHead head)
    {
        Broadcast(encoder.Network.NamedState().Where(s => s.IsBuffer).Select(s => s.Parameter).ToList());
        double sum = 0;
        foreach (var p in encoder.Network.AllParameters().Concat(head.Parameters).Concat(head.Buffers))
            foreach (float v in p.Value) sum += v;
        Span<double> range = [sum, -sum];
        World.AllReduce(range, ReduceOperation.Max);
        if (range[0] != -range[1] && !double.IsNaN(sum))
            throw new DistributedTrainingException($"{World.RankName}: the processes' copies of the weights differ (checksums {-range[1]:R} to {range[0]:R}); " +
                "the communication library did not give every process the same sums. Use MPICH's built-in reductions (the MLNetMarginLoss.Mpi package does).");
    }

    /// <summary>Entries for the run's description.</summary>
    public void Describe(Dictionary<string, string> entries)
    {
        entries["processes"] = World.Size.ToString(System.Globalization.CultureInfo.InvariantCulture);
        entries["communicator"] = World.Description;
    }

    /// <summary>Writes a checkpoint in one process's format: gathered to rank 0, written by rank 0.</summary>
    public void SaveCheckpoint(TrainingCheckpoint checkpoint, TrainingSettings settings, Dataset train, CheckpointState state)
    {
        if (state.Head is not CosineMarginHead { Shard: not null } shard)
        {
            if (World.Rank == 0) checkpoint.Save(settings, train, state);
            return;
        }
        var whole = GatherHeadToRankZero(shard);
        var optimizer = GatherOptimizerState(state.Optimizer, shard);
        var run = GatherRun(state.Run, state.Encoder, shard, whole);
        if (whole is not null) checkpoint.Save(settings, train, state with { Head = whole, Optimizer = optimizer, Run = run! });
    }

    /// <summary>Restores the checkpoint on every process (each keeping its rows) and checks that all resume at the same epoch.</summary>
    /// <exception cref="DistributedTrainingException">The processes found different checkpoints.</exception>
    public TrainingCheckpoint.Restored? RestoreCheckpoint(TrainingCheckpoint checkpoint, TrainingSettings settings, Dataset train, Encoder encoder, MarginHead head, RunState run)
    {
        TrainingCheckpoint.Restored? restored;
        if (head is CosineMarginHead { Shard: { } shard } sharded)
        {
            var whole = WholeHead(sharded);
            var wholeRun = new RunState { Best = run.Best is null ? null : new WeightSnapshot(encoder, whole), ActiveRows = run.ActiveRows };
            restored = checkpoint.TryRestore(settings, train, encoder, whole, wholeRun);
            if (restored is not null)
            {
                var rows = ShardRows(sharded, World.Rank);
                CopyRows(ShardedRows.Slice(p => whole.Centers.Weight.Page(p), head.EmbeddingSize, rows.First, rows.Count), sharded.Centers.Weight);
                CopyBuffers(whole, sharded);
                foreach (var r in wholeRun.History.Epochs) run.History.Add(r);
                run.Stopping.BestLoss = wholeRun.Stopping.BestLoss;
                run.Stopping.SinceBest = wholeRun.Stopping.SinceBest;
                run.ActiveRows = wholeRun.ActiveRows;
                if (run.Best is { } best && wholeRun.Best is { } wholeBest) SliceSnapshot(wholeBest, best, sharded);
                restored = restored with { Optimizer = SliceOptimizerState(restored.Optimizer, sharded) };
            }
        }
        else
        {
            restored = checkpoint.TryRestore(settings, train, encoder, head, run);
        }
        int epoch = restored?.Epoch ?? -1;
        Span<int> range = [epoch, -epoch];
        World.AllReduce(range, ReduceOperation.Max);
        if (range[0] != -range[1])
            throw new DistributedTrainingException($"{World.RankName}: the processes found different checkpoints (resuming after epochs {-range[1] + 1} to {range[0] + 1}; 0 = none): " +
                "every process must see the same checkpoint directory (a shared file system, or the same path on one machine).");
        return restored;
    }

    /// <summary>The end of training: on rank 0 the whole head from every process's shard; on every other process its own shard.</summary>
    public MarginHead GatherHeadToRankZero(MarginHead head) => head is CosineMarginHead { Shard: not null } shard ? GatherHeadToRankZero(shard) ?? head : head;

    /// <summary>The whole head from every process's shard on rank 0; null on the others.</summary>
    private CosineMarginHead? GatherHeadToRankZero(CosineMarginHead shard)
    {
        var weight = shard.Centers.Weight;
        var pages = ShardedRows.Gather(World, Pages(weight), weight.Cols, r => ShardRows(shard, r), TotalRows(shard), root: 0);
        if (pages is null) return null;
        var whole = WholeHead(shard);
        for (int p = 0; p < pages.Length; p++) pages[p].AsSpan().CopyTo(whole.Centers.Weight.Page(p));
        CopyBuffers(shard, whole);
        return whole;
    }

    /// <summary>The centre slots of a shard's optimizer state in one process's layout (rank 0), the dense slots as they are.</summary>
    private OptimizerState GatherOptimizerState(OptimizerState state, CosineMarginHead shard)
    {
        string prefix = EngineSession.CentreSlotPrefix;
        var slots = new List<OptimizerSlot>();
        var kinds = new List<(string Kind, List<float[]> Pages)>();
        foreach (var slot in state.Slots)
        {
            if (slot.Name == prefix + ".step")
            {
                var counts = new int[World.Size];
                for (int r = 0; r < World.Size; r++) counts[r] = checked((int)(ShardRows(shard, r).Count * 2));
                var all = World.Rank == 0 ? new float[checked((int)(TotalRows(shard) * 2))] : [];
                World.Gather<float>(slot.Values, all, counts, 0);
                slots.Add(new OptimizerSlot(slot.Name, all));
            }
            else if (RowOptimizer.TryParseSlotName(prefix, slot.Name, out string kind, out _))
            {
                if (kinds.Count == 0 || kinds[^1].Kind != kind) kinds.Add((kind, []));
                kinds[^1].Pages.Add(slot.Values);
            }
            else
            {
                slots.Add(slot);
            }
        }
        int cols = shard.EmbeddingSize;
        foreach (var (kind, pages) in kinds)
        {
            var whole = ShardedRows.Gather(World, pages, cols, r => ShardRows(shard, r), TotalRows(shard), root: 0);
            if (whole is null) continue;
            for (int p = 0; p < whole.Length; p++) slots.Add(new OptimizerSlot(RowOptimizer.SlotName(prefix, kind, p, whole.Length), whole[p]));
        }
        return new OptimizerState(state.StepCount, slots);
    }

    /// <summary>This process's rows of the centre slots of an optimizer state in one process's layout.</summary>
    private OptimizerState SliceOptimizerState(OptimizerState state, CosineMarginHead shard)
    {
        string prefix = EngineSession.CentreSlotPrefix;
        var rows = ShardRows(shard, World.Rank);
        var slots = new List<OptimizerSlot>();
        var kinds = new List<(string Kind, List<float[]> Pages)>();
        foreach (var slot in state.Slots)
        {
            if (slot.Name == prefix + ".step")
                slots.Add(new OptimizerSlot(slot.Name, slot.Values.AsSpan(checked((int)(rows.First * 2)), checked((int)(rows.Count * 2))).ToArray()));
            else if (RowOptimizer.TryParseSlotName(prefix, slot.Name, out string kind, out _))
            {
                if (kinds.Count == 0 || kinds[^1].Kind != kind) kinds.Add((kind, []));
                kinds[^1].Pages.Add(slot.Values);
            }
            else
                slots.Add(slot);
        }
        foreach (var (kind, pages) in kinds)
        {
            var mine = ShardedRows.Slice(p => pages[p], shard.EmbeddingSize, rows.First, rows.Count);
            for (int p = 0; p < mine.Length; p++) slots.Add(new OptimizerSlot(RowOptimizer.SlotName(prefix, kind, p, mine.Length), mine[p]));
        }
        return new OptimizerState(state.StepCount, slots);
    }

    /// <summary>The run state to save: the early-stopping copy of the whole head gathered to rank 0 (null elsewhere).</summary>
    private RunState? GatherRun(RunState run, Encoder encoder, CosineMarginHead shard, CosineMarginHead? whole)
    {
        if (run.Best is not { } best) return whole is null ? null : run;
        var copies = best.Copies.ToList();
        var weightPages = copies.Where(c => IsCentres(c.Name)).Select(c => c.Data).ToList();
        var gathered = ShardedRows.Gather(World, weightPages, shard.EmbeddingSize, r => ShardRows(shard, r), TotalRows(shard), root: 0);
        if (whole is null) return null;
        var saved = new RunState { Best = new WeightSnapshot(encoder, whole) { Epoch = best.Epoch }, ActiveRows = run.ActiveRows };
        foreach (var r in run.History.Epochs) saved.History.Add(r);
        saved.Stopping.BestLoss = run.Stopping.BestLoss;
        saved.Stopping.SinceBest = run.Stopping.SinceBest;
        var byName = copies.Where(c => !IsCentres(c.Name)).ToDictionary(c => c.Name, c => c.Data);
        int page = 0;
        foreach (var (name, _, data) in saved.Best.Copies)
        {
            if (IsCentres(name)) gathered![page++].AsSpan().CopyTo(data);
            else byName[name].AsSpan().CopyTo(data);
        }
        return saved;
    }

    private void SliceSnapshot(WeightSnapshot whole, WeightSnapshot shard, CosineMarginHead head)
    {
        var rows = ShardRows(head, World.Rank);
        var wholePages = whole.Copies.Where(c => IsCentres(c.Name)).Select(c => c.Data).ToList();
        var byName = whole.Copies.Where(c => !IsCentres(c.Name)).ToDictionary(c => c.Name, c => c.Data);
        var mine = ShardedRows.Slice(p => wholePages[p], head.EmbeddingSize, rows.First, rows.Count);
        int page = 0;
        foreach (var (name, _, data) in shard.Copies)
        {
            if (IsCentres(name)) mine[page++].AsSpan().CopyTo(data);
            else byName[name].AsSpan().CopyTo(data);
        }
        shard.Epoch = whole.Epoch;
    }

    private static bool IsCentres(string name) => name == "head.weight" || name.StartsWith("head.weight.p", StringComparison.Ordinal);

    private static CosineMarginHead WholeHead(CosineMarginHead shard) => (CosineMarginHead)HeadFactory.Create(
        HeadFactory.Parse(shard.Kind), shard.EmbeddingSize, shard.Shard!.TotalClasses, shard.GetOptions());

    private static void CopyBuffers(MarginHead from, MarginHead to)
    {
        for (int i = 0; i < from.Buffers.Count; i++) from.Buffers[i].Value.AsSpan().CopyTo(to.Buffers[i].Value);
    }

    private static (long First, long Count) ShardRows(CosineMarginHead head, int rank)
    {
        var shard = head.Shard!;
        var (first, count) = ClassShard.Range(shard.TotalClasses, shard.Count, rank);
        return ((long)first * head.SubCenters, (long)count * head.SubCenters);
    }

    private static long TotalRows(CosineMarginHead head) => (long)head.Shard!.TotalClasses * head.SubCenters;

    private static List<float[]> Pages(RowMatrix matrix) => Enumerable.Range(0, matrix.PageCount).Select(matrix.Page).ToList();

    private static void CopyRows(float[][] pages, RowMatrix destination)
    {
        for (int p = 0; p < pages.Length; p++) pages[p].AsSpan().CopyTo(destination.Page(p));
    }

    private void Broadcast(List<Parameter> parameters)
    {
        int total = parameters.Sum(p => p.Length);
        if (total == 0) return;
        var buffer = GC.AllocateUninitializedArray<float>(total, pinned: true);
        int at = 0;
        foreach (var p in parameters) { p.Value.AsSpan().CopyTo(buffer.AsSpan(at)); at += p.Length; }
        World.Broadcast<float>(buffer, 0);
        at = 0;
        foreach (var p in parameters) { buffer.AsSpan(at, p.Length).CopyTo(p.Value); at += p.Length; }
    }
}

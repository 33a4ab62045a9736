using System.Runtime.InteropServices;

namespace MLNetMarginLoss.Mpi.Tests;

/// <summary>
/// A world of several "processes" inside one process, for tests: one <see cref="Communicator"/> per rank, each used by
/// its own thread (<see cref="Run{T}"/>). A collective deposits every rank's contribution, waits for all of them, and
/// computes the result in rank order — reductions are ((x₀ + x₁) + x₂)…, so every rank gets bit-identical results, as
/// MPI's built-in reductions give. <see cref="Break"/> (called when a rank's work throws) makes every rank waiting in
/// or entering a collective throw <see cref="DistributedTrainingException"/>, as a stopped MPI process does.
/// </summary>
internal sealed class LoopbackWorld
{
    private readonly object _gate = new();
    private readonly object?[] _slots;
    private object?[] _completed = [];
    private int _arrived;
    private long _generation;
    private string? _broken;

    public LoopbackWorld(int size)
    {
        _slots = new object?[size];
        Members = Enumerable.Range(0, size).Select(r => (Communicator)new Member(this, r)).ToArray();
    }

    /// <summary>Rank r's communicator.</summary>
    public Communicator[] Members { get; }

    /// <summary>Runs <paramref name="work"/> for every rank on its own thread and returns the results in rank order (rethrowing the first rank's failure).</summary>
    public T[] Run<T>(Func<Communicator, T> work)
    {
        var results = new T[Members.Length];
        var errors = new Exception?[Members.Length];
        var threads = Members.Select((c, r) => new Thread(() =>
        {
            try { results[r] = work(c); }
            catch (Exception e) { errors[r] = e; Break($"rank {r} stopped ({e.GetType().Name})"); }
        }, 64 << 20)).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        var first = errors.FirstOrDefault(e => e is not null);
        if (first is not null) throw new AggregateException(errors.Where(e => e is not null)!);
        return results;
    }

    /// <summary>Makes every collective fail from now on with <paramref name="reason"/>.</summary>
    public void Break(string reason)
    {
        lock (_gate)
        {
            _broken ??= reason;
            Monitor.PulseAll(_gate);
        }
    }

    private object?[] Exchange(int rank, object? contribution)
    {
        lock (_gate)
        {
            ThrowIfBroken(rank);
            _slots[rank] = contribution;
            long generation = _generation;
            if (++_arrived == _slots.Length)
            {
                _completed = (object?[])_slots.Clone();
                _arrived = 0;
                _generation++;
                Monitor.PulseAll(_gate);
            }
            else
            {
                while (generation == _generation)
                {
                    Monitor.Wait(_gate);
                    if (generation == _generation) ThrowIfBroken(rank);
                }
            }
            return _completed;
        }
    }

    private void ThrowIfBroken(int rank)
    {
        if (_broken is not null)
            throw new DistributedTrainingException($"rank {rank} of {_slots.Length}: another process of the job stopped ({_broken}); training stopped here too.");
    }

    private sealed class Member(LoopbackWorld world, int rank) : Communicator
    {
        public override int Rank => rank;

        public override int Size => world._slots.Length;

        public override string Description => $"loopback, {Size} threads";

        protected override void AllReduceCore<T>(Span<T> values, ReduceOperation operation)
        {
            var all = world.Exchange(rank, values.ToArray());
            var result = ((T[])all[0]!).AsSpan();
            result.CopyTo(values);
            for (int r = 1; r < all.Length; r++) Combine(values, (T[])all[r]!, operation);
        }

        protected override void AllGatherCore<T>(ReadOnlySpan<T> local, Span<T> all, ReadOnlySpan<int> counts)
        {
            var parts = world.Exchange(rank, local.ToArray());
            int at = 0;
            foreach (var p in parts) { ((T[])p!).CopyTo(all[at..]); at += ((T[])p!).Length; }
        }

        protected override void GatherCore<T>(ReadOnlySpan<T> local, Span<T> all, ReadOnlySpan<int> counts, int root)
        {
            var parts = world.Exchange(rank, local.ToArray());
            if (rank != root) return;
            int at = 0;
            foreach (var p in parts) { ((T[])p!).CopyTo(all[at..]); at += ((T[])p!).Length; }
        }

        protected override void ReduceScatterCore<T>(ReadOnlySpan<T> all, Span<T> local, ReadOnlySpan<int> counts)
        {
            var parts = world.Exchange(rank, all.ToArray());
            int offset = 0;
            for (int r = 0; r < rank; r++) offset += counts[r];
            var sum = ((T[])parts[0]!).AsSpan(offset, local.Length).ToArray().AsSpan();
            for (int r = 1; r < parts.Length; r++) Combine(sum, ((T[])parts[r]!)[offset..(offset + local.Length)], ReduceOperation.Sum);
            sum.CopyTo(local);
        }

        protected override void BroadcastCore<T>(Span<T> values, int root)
        {
            var parts = world.Exchange(rank, rank == root ? values.ToArray() : null);
            ((T[])parts[root]!).CopyTo(values);
        }

        protected override void BarrierCore() => world.Exchange(rank, null);

        private static void Combine<T>(Span<T> into, T[] other, ReduceOperation operation) where T : unmanaged
        {
            if (typeof(T) == typeof(float)) Combine(MemoryMarshal.Cast<T, float>(into), MemoryMarshal.Cast<T, float>(other.AsSpan()), operation);
            else if (typeof(T) == typeof(double)) Combine(MemoryMarshal.Cast<T, double>(into), MemoryMarshal.Cast<T, double>(other.AsSpan()), operation);
            else if (typeof(T) == typeof(int)) Combine(MemoryMarshal.Cast<T, int>(into), MemoryMarshal.Cast<T, int>(other.AsSpan()), operation);
            else Combine(MemoryMarshal.Cast<T, long>(into), MemoryMarshal.Cast<T, long>(other.AsSpan()), operation);
        }

        private static void Combine<TNumber>(Span<TNumber> into, ReadOnlySpan<TNumber> other, ReduceOperation operation) where TNumber : System.Numerics.INumber<TNumber>
        {
            for (int i = 0; i < into.Length; i++)
                into[i] = operation switch
                {
                    ReduceOperation.Sum => into[i] + other[i],
                    _ when TNumber.IsNaN(into[i]) || TNumber.IsNaN(other[i]) => into[i] + other[i],
                    ReduceOperation.Max => TNumber.Max(into[i], other[i]),
                    _ => TNumber.Min(into[i], other[i]),
                };
        }
    }
}

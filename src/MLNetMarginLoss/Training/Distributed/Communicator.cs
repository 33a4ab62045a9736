using System.Diagnostics;
using MLNetMarginLoss.Training.Distributed;

namespace MLNetMarginLoss;

/// <summary>
/// The processes that train one model together, and the collective operations training needs between them: the
/// seam between the training loop and a communication library. Set <see cref="ArcFaceTrainer.Options.Communicator"/>
/// to train across processes; the MLNetMarginLoss.Mpi package provides <c>MpiCommunicator.World</c> (MPI through
/// MPI.NET and MPICH). <see cref="SingleProcess"/> is the world of one process (what training uses when no communicator
/// is set), so nothing here needs a communication library unless one is asked for.
/// <para>
/// Every operation is collective: every process of the world calls it, in the same order, with buffers of the agreed
/// sizes; it returns when this process's part is done. Buffers are spans of <see cref="float"/>, <see cref="double"/>,
/// <see cref="int"/> or <see cref="long"/>, used in place where the operation allows it (pinned arrays cost nothing to
/// hand to a native library); there are no per-element callbacks. Counts are in elements, one per rank, and parts are
/// laid out in rank order. Implementations must give every process bit-identical results of a reduction (MPI's built-in
/// operations on the same data and process count do), because every process then applies the same update to its copy
/// of the weights.
/// </para>
/// <para>
/// The public methods check their arguments, then call the implementation's <c>…Core</c> method and add its wall-clock
/// time, bytes and calls to <see cref="CommunicationTime"/>, <see cref="CommunicatedBytes"/> and
/// <see cref="Collectives"/>. A failure of the world (a process stopped, the library failed) is reported by a
/// <see cref="DistributedTrainingException"/> whose message starts with "rank r of N:".
/// </para>
/// </summary>
public abstract class Communicator
{
    private long _ticks;
    private long _bytes;
    private long _calls;

    /// <summary>The world of this process alone: rank 0 of 1, every operation the identity.</summary>
    public static Communicator SingleProcess { get; } = new SingleProcessCommunicator();

    /// <summary>This process's rank, in [0, <see cref="Size"/>).</summary>
    public abstract int Rank { get; }

    /// <summary>The number of processes.</summary>
    public abstract int Size { get; }

    /// <summary>A short description for logs and model metadata ("mpi, 4 processes (MPICH 4.0.2)").</summary>
    public virtual string Description => $"{Size} processes";

    /// <summary>Wall-clock time this process has spent in collective operations (waiting for others included).</summary>
    public TimeSpan CommunicationTime => Stopwatch.GetElapsedTime(0, _ticks);

    /// <summary>Bytes of the buffers this process has handed to collective operations (its contribution or its result, whichever is larger).</summary>
    public long CommunicatedBytes => _bytes;

    /// <summary>Collective operations this process has called.</summary>
    public long Collectives => _calls;

    /// <summary>Sets <see cref="CommunicationTime"/>, <see cref="CommunicatedBytes"/> and <see cref="Collectives"/> to zero.</summary>
    public void ResetStatistics() => _ticks = _bytes = _calls = 0;

    /// <summary>Combines <paramref name="values"/> element by element over the processes, in place: afterwards every process holds the same result.</summary>
    public void AllReduce<T>(Span<T> values, ReduceOperation operation) where T : unmanaged
    {
        CheckType<T>();
        if (!Enum.IsDefined(operation)) throw new ArgumentOutOfRangeException(nameof(operation), operation, "Unknown reduce operation.");
        long start = Stopwatch.GetTimestamp();
        AllReduceCore(values, operation);
        Account<T>(start, values.Length);
    }

    /// <summary>
    /// Every process contributes <paramref name="local"/> (counts[Rank] elements) and receives every part, in rank order,
    /// in <paramref name="all"/> (Σ counts elements).
    /// </summary>
    public void AllGather<T>(ReadOnlySpan<T> local, Span<T> all, ReadOnlySpan<int> counts) where T : unmanaged
    {
        CheckType<T>();
        long total = CheckCounts(counts, local.Length, nameof(local));
        if (all.Length != total) throw new ArgumentException($"The gathered buffer holds {all.Length} elements; the parts add up to {total}.", nameof(all));
        long start = Stopwatch.GetTimestamp();
        AllGatherCore(local, all, counts);
        Account<T>(start, total);
    }

    /// <summary>
    /// Like <see cref="AllGather{T}"/>, but only <paramref name="root"/> receives the parts (its <paramref name="all"/>
    /// holds Σ counts elements; the other processes' is not used and may be empty).
    /// </summary>
    public void Gather<T>(ReadOnlySpan<T> local, Span<T> all, ReadOnlySpan<int> counts, int root) where T : unmanaged
    {
        CheckType<T>();
        CheckRoot(root);
        long total = CheckCounts(counts, local.Length, nameof(local));
        if (Rank == root && all.Length != total) throw new ArgumentException($"The gathered buffer holds {all.Length} elements; the parts add up to {total}.", nameof(all));
        long start = Stopwatch.GetTimestamp();
        GatherCore(local, all, counts, root);
        Account<T>(start, Rank == root ? total : local.Length);
    }

    /// <summary>
    /// The sum over the processes of <paramref name="all"/> (Σ counts elements on every process), of which each process
    /// receives its own part (counts[Rank] elements, at its rank's offset) in <paramref name="local"/>.
    /// </summary>
    public void ReduceScatter<T>(ReadOnlySpan<T> all, Span<T> local, ReadOnlySpan<int> counts) where T : unmanaged
    {
        CheckType<T>();
        long total = CheckCounts(counts, local.Length, nameof(local));
        if (all.Length != total) throw new ArgumentException($"The buffer to reduce holds {all.Length} elements; the parts add up to {total}.", nameof(all));
        long start = Stopwatch.GetTimestamp();
        ReduceScatterCore(all, local, counts);
        Account<T>(start, total);
    }

    /// <summary>Copies <paramref name="values"/> of <paramref name="root"/> into every process's <paramref name="values"/> (same length everywhere).</summary>
    public void Broadcast<T>(Span<T> values, int root) where T : unmanaged
    {
        CheckType<T>();
        CheckRoot(root);
        long start = Stopwatch.GetTimestamp();
        BroadcastCore(values, root);
        Account<T>(start, values.Length);
    }

    /// <summary>Returns when every process has called it.</summary>
    public void Barrier()
    {
        long start = Stopwatch.GetTimestamp();
        BarrierCore();
        Account<byte>(start, 0);
    }

    /// <summary>The implementation of <see cref="AllReduce{T}"/> (arguments checked).</summary>
    protected abstract void AllReduceCore<T>(Span<T> values, ReduceOperation operation) where T : unmanaged;

    /// <summary>The implementation of <see cref="AllGather{T}"/> (arguments checked).</summary>
    protected abstract void AllGatherCore<T>(ReadOnlySpan<T> local, Span<T> all, ReadOnlySpan<int> counts) where T : unmanaged;

    /// <summary>The implementation of <see cref="Gather{T}"/> (arguments checked).</summary>
    protected abstract void GatherCore<T>(ReadOnlySpan<T> local, Span<T> all, ReadOnlySpan<int> counts, int root) where T : unmanaged;

    /// <summary>The implementation of <see cref="ReduceScatter{T}"/> (arguments checked).</summary>
    protected abstract void ReduceScatterCore<T>(ReadOnlySpan<T> all, Span<T> local, ReadOnlySpan<int> counts) where T : unmanaged;

    /// <summary>The implementation of <see cref="Broadcast{T}"/> (arguments checked).</summary>
    protected abstract void BroadcastCore<T>(Span<T> values, int root) where T : unmanaged;

    /// <summary>The implementation of <see cref="Barrier"/>.</summary>
    protected abstract void BarrierCore();

    /// <summary>"rank r of N", the prefix of every message about the world.</summary>
    public string RankName => $"rank {Rank} of {Size}";

    /// <inheritdoc />
    public override string ToString() => $"{Description} ({RankName})";

    private static void CheckType<T>()
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double) && typeof(T) != typeof(int) && typeof(T) != typeof(long))
            throw new NotSupportedException($"Collective operations take float, double, int or long elements, not {typeof(T).Name}.");
    }

    private void CheckRoot(int root)
    {
        if ((uint)root >= (uint)Size) throw new ArgumentOutOfRangeException(nameof(root), root, $"The root must be a rank in [0, {Size}).");
    }

    private long CheckCounts(ReadOnlySpan<int> counts, int localLength, string localName)
    {
        if (counts.Length != Size) throw new ArgumentException($"Expected one count per rank ({Size}), got {counts.Length}.", nameof(counts));
        long total = 0;
        foreach (int c in counts)
        {
            if (c < 0) throw new ArgumentOutOfRangeException(nameof(counts), c, "Counts cannot be negative.");
            total += c;
        }
        if (localLength != counts[Rank]) throw new ArgumentException($"This rank's part holds {localLength} elements; its count is {counts[Rank]}.", localName);
        return total;
    }

    private unsafe void Account<T>(long start, long elements) where T : unmanaged
    {
        _ticks += Stopwatch.GetTimestamp() - start;
        _bytes += elements * sizeof(T);
        _calls++;
    }
}

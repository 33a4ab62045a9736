using System.Runtime.InteropServices;
using System.Text;
using MLNetMarginLoss.MpiBackend;
using static MPI.Unsafe;

namespace MLNetMarginLoss;

/// <summary>
/// A <see cref="Communicator"/> over MPI's world (MPI_COMM_WORLD) through MPI.NET: set
/// <c>ArcFaceTrainer.Options.Communicator = MpiCommunicator.World</c> and start the same program in every process with
/// MPICH's launcher, e.g. <c>mpiexec -np 4 dotnet app.dll</c> (across machines: <c>mpiexec -f hosts -np 16 …</c>).
/// <para>
/// Collectives use MPI's built-in operations on whole buffers (MPI_Allreduce with MPI_IN_PLACE, MPI_Allgatherv,
/// MPI_Gatherv, MPI_Reduce_scatter, MPI_Bcast, MPI_Barrier) through MPI.NET's bindings, on the caller's memory (pinned
/// for the call; the trainer's buffers are pinned arrays); built-in reductions give every process bit-identical
/// results. MPI is initialised on first use of <see cref="World"/> (MPI_THREAD_SERIALIZED: one thread at a time may
/// call it) and finalised when the process exits with code 0; a process that fails exits without MPI_Finalize (a second
/// after its error, so that processes failing together all print theirs), so it never waits for a peer stuck in a
/// collective.
/// </para>
/// <para>
/// Failures. Errors are returned (MPI_ERRORS_RETURN) and thrown as <see cref="DistributedTrainingException"/> naming
/// the rank and the operation. When a process of the job stops, MPICH's mpiexec by default kills the others and
/// reports the bad termination itself; with <c>mpiexec -disable-auto-cleanup</c> it signals the survivors instead
/// (SIGUSR1), and each prints "error: rank r of N: another process of the MPI job stopped…" and exits with code 1
/// (Linux). A collective that has not returned after <see cref="Timeout"/> (a hung peer, a lost machine) ends the
/// process the same way with its own message. In every case no model is written and the last checkpoint stays usable.
/// </para>
/// </summary>
public sealed class MpiCommunicator : Communicator
{
    private const int SigUsr1 = 10;
    private static readonly TimeSpan FailureGrace = TimeSpan.FromSeconds(1);
    private static readonly object Gate = new();
    private static MpiCommunicator? _world;
    private static MPI.Environment? _environment;
    private static PosixSignalRegistration? _peerFailure;

    private readonly int _rank, _size;
    private readonly int[] _counts, _displacements;
    private readonly string _library;
    private long _since;
    private int _stopping;
    private string? _operation;

    private MpiCommunicator(int rank, int size, string library)
    {
        _rank = rank;
        _size = size;
        _library = library;
        _counts = new int[size];
        _displacements = new int[size];
        var watchdog = new Thread(Watch) { IsBackground = true, Name = "MPI watchdog" };
        watchdog.Start();
    }

    /// <summary>
    /// Every process of the MPI job (MPI_COMM_WORLD). The first use initialises MPI (the application must not have
    /// initialised it otherwise).
    /// </summary>
    /// <exception cref="DistributedTrainingException">MPI is not installed, the launcher is Open MPI's, or MPI_Init failed; the message says what to do.</exception>
    public static MpiCommunicator World
    {
        get
        {
            lock (Gate) return _world ??= Initialize();
        }
    }

    /// <summary>
    /// How long a collective operation may wait for the other processes before this process gives up (prints one
    /// line and exits with code 1). Checkpoint writing by rank 0 and validation happen between collectives, so allow
    /// for them. <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> waits forever. Default: 10 minutes.
    /// </summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <inheritdoc />
    public override int Rank => _rank;

    /// <inheritdoc />
    public override int Size => _size;

    /// <inheritdoc />
    public override string Description => $"mpi, {_size} processes ({_library})";

    /// <inheritdoc />
    protected override unsafe void AllReduceCore<T>(Span<T> values, ReduceOperation operation)
    {
        Begin("MPI_Allreduce");
        fixed (T* p = values)
            Check("MPI_Allreduce", MPI_Allreduce(MpiLibrary.InPlace, (IntPtr)p, values.Length, Type<T>(), Operation(operation), MPI_COMM_WORLD));
    }

    /// <inheritdoc />
    protected override unsafe void AllGatherCore<T>(ReadOnlySpan<T> local, Span<T> all, ReadOnlySpan<int> counts)
    {
        Begin("MPI_Allgatherv");
        Layout(counts);
        fixed (T* send = local)
        fixed (T* receive = all)
            Check("MPI_Allgatherv", MPI_Allgatherv((IntPtr)send, local.Length, Type<T>(), (IntPtr)receive, _counts, _displacements, Type<T>(), MPI_COMM_WORLD));
    }

    /// <inheritdoc />
    protected override unsafe void GatherCore<T>(ReadOnlySpan<T> local, Span<T> all, ReadOnlySpan<int> counts, int root)
    {
        Begin("MPI_Gatherv");
        Layout(counts);
        fixed (T* send = local)
        fixed (T* receive = all)
            Check("MPI_Gatherv", MPI_Gatherv((IntPtr)send, local.Length, Type<T>(), (IntPtr)receive, _counts, _displacements, Type<T>(), root, MPI_COMM_WORLD));
    }

    /// <inheritdoc />
    protected override unsafe void ReduceScatterCore<T>(ReadOnlySpan<T> all, Span<T> local, ReadOnlySpan<int> counts)
    {
        Begin("MPI_Reduce_scatter");
        Layout(counts);
        fixed (T* send = all)
        fixed (T* receive = local)
            Check("MPI_Reduce_scatter", MPI_Reduce_scatter((IntPtr)send, (IntPtr)receive, _counts, Type<T>(), MPI_SUM, MPI_COMM_WORLD));
    }

    /// <inheritdoc />
    protected override unsafe void BroadcastCore<T>(Span<T> values, int root)
    {
        Begin("MPI_Bcast");
        fixed (T* p = values)
            Check("MPI_Bcast", MPI_Bcast((IntPtr)p, values.Length, Type<T>(), root, MPI_COMM_WORLD));
    }

    /// <inheritdoc />
    protected override void BarrierCore()
    {
        Begin("MPI_Barrier");
        int rc = MPI_Barrier(MPI_COMM_WORLD);
        Check("MPI_Barrier", rc);
    }

    private static MpiCommunicator Initialize()
    {
        if (Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is { } ompi && ompi != "1")
            throw new DistributedTrainingException(
                "These processes were started by Open MPI's mpirun, but MPI.NET speaks MPICH's interface: start them with MPICH's mpiexec (mpiexec.mpich on Debian and Ubuntu).");
        MpiLibrary.Load();
        string[] args = [];
        try
        {
            _environment = new MPI.Environment(ref args, MPI.Threading.Serialized);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new DistributedTrainingException($"MPI could not start ({e.Message}); start the processes with MPICH's mpiexec, e.g. mpiexec -np 2 dotnet app.dll.", e);
        }
        MPI_Errhandler_set(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
        MPI_Comm_rank(MPI_COMM_WORLD, out int rank);
        MPI_Comm_size(MPI_COMM_WORLD, out int size);
        var world = new MpiCommunicator(rank, size, LibraryVersion());
        if (OperatingSystem.IsLinux())
        {
            // Registered after MPI_Init, so it replaces MPICH's own handler: mpiexec -disable-auto-cleanup signals
            // the survivors of a failed process with SIGUSR1.
            _peerFailure = PosixSignalRegistration.Create((PosixSignal)SigUsr1, context =>
            {
                context.Cancel = true;
                world.Stop("another process of the MPI job stopped (mpiexec reported it)");
            });
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            if (Environment.ExitCode == 0)
            {
                _environment?.Dispose();
                return;
            }
            // A failing process leaves without MPI_Finalize (the others may be waiting in a collective, and MPICH's
            // finalisation would wait for them, or make mpiexec fail talking to a process that is gone) but not at
            // once: when every process fails together (a mismatched job) mpiexec kills the rest as soon as the first
            // one ends, so each waits a moment for the others to print their own line.
            if (Volatile.Read(ref world._since) == 0) Thread.Sleep(FailureGrace);
        };
        return world;
    }

    private static unsafe string LibraryVersion()
    {
        try
        {
            var buffer = new byte[MpiLibrary.MaxLibraryVersion];
            fixed (byte* p = buffer)
                if (MpiLibrary.GetLibraryVersion(p, out int length) != MPI_SUCCESS) return "MPI";
            string text = Encoding.ASCII.GetString(buffer).TrimEnd('\0');
            var first = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "MPI";
            return string.Join(' ', first.Replace("Version:", " ").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        }
        catch (EntryPointNotFoundException)
        {
            return "MPI";
        }
    }

    private void Layout(ReadOnlySpan<int> counts)
    {
        int at = 0;
        for (int r = 0; r < _size; r++)
        {
            _counts[r] = counts[r];
            _displacements[r] = at;
            at = checked(at + counts[r]);
        }
    }

    private void Begin(string operation)
    {
        _operation = operation;
        Volatile.Write(ref _since, System.Diagnostics.Stopwatch.GetTimestamp());
    }

    private void Check(string operation, int rc)
    {
        Volatile.Write(ref _since, 0);
        if (rc == MPI_SUCCESS) return;
        var text = new byte[MPI_MAX_ERROR_STRING];
        int length = text.Length;
        string message = MPI_Error_string(rc, text, ref length) == MPI_SUCCESS ? Encoding.ASCII.GetString(text, 0, length).Trim() : $"error {rc}";
        throw new DistributedTrainingException(
            $"{RankName}: {operation} failed ({message.ReplaceLineEndings(" ")}): a process of the MPI job has probably stopped. " +
            "No model was written; the last checkpoint, if any, is intact: run again with the same checkpoint directory to resume.");
    }

    private static int Type<T>() =>
        typeof(T) == typeof(float) ? MPI_FLOAT : typeof(T) == typeof(double) ? MPI_DOUBLE : typeof(T) == typeof(int) ? MPI_INT : MPI_LONG_LONG;

    private static int Operation(ReduceOperation operation) => operation switch
    {
        ReduceOperation.Sum => MPI_SUM,
        ReduceOperation.Max => MPI_MAX,
        _ => MPI_MIN,
    };

    private void Watch()
    {
        while (true)
        {
            Thread.Sleep(1000);
            long since = Volatile.Read(ref _since);
            var limit = Timeout;
            if (since == 0 || limit == System.Threading.Timeout.InfiniteTimeSpan) continue;
            var waited = System.Diagnostics.Stopwatch.GetElapsedTime(since);
            if (waited > limit)
                Stop($"no answer from the other processes for {waited.TotalSeconds:F0} s in {_operation} (Timeout is {limit.TotalSeconds:F0} s): a process of the MPI job has stopped or hangs");
        }
    }

    private void Stop(string reason)
    {
        // Once: mpiexec signals again as each further process ends, and the watchdog may fire meanwhile.
        if (Interlocked.Exchange(ref _stopping, 1) != 0) return;
        Console.Error.WriteLine($"error: {RankName}: {reason}. Training stopped here too: no model was written, and the last checkpoint, if any, is intact: run again with the same checkpoint directory to resume.");
        Console.Error.Flush();
        Environment.Exit(1);
    }
}

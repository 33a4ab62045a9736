namespace MLNetMarginLoss.Engine.Kernels;

/// <summary>
/// A unit of parallel work: <see cref="Execute"/> is called once for every chunk index in [0, chunkCount).
/// Implementations are allocated once and reused, so dispatching work allocates nothing.
/// Chunks must write disjoint outputs; results then do not depend on which thread ran which chunk.
/// </summary>
internal interface IParallelWork
{
    /// <summary>Runs chunk <paramref name="chunk"/> of <paramref name="chunkCount"/>.</summary>
    void Execute(int chunk, int chunkCount);
}

/// <summary>
/// A fixed set of persistent worker threads. <see cref="Run"/> spreads chunks over the workers and the
/// calling thread and returns when all are done. Nested calls (from inside a chunk) and calls that find
/// the pool busy run inline on the calling thread, so kernels can call kernels safely.
/// </summary>
internal sealed class WorkerPool : IDisposable
{
    [ThreadStatic] private static bool t_insideWork;

    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _start;
    private readonly CountdownEvent _done;
    private readonly object _gate = new();
    private IParallelWork? _work;
    private int _chunkCount;
    private volatile bool _disposed;
    private Exception? _failure;

    /// <summary>Creates a pool that runs work on <paramref name="degreeOfParallelism"/> threads (the caller included).</summary>
    public WorkerPool(int degreeOfParallelism)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(degreeOfParallelism);
        DegreeOfParallelism = degreeOfParallelism;
        int workers = degreeOfParallelism - 1;
        _threads = new Thread[workers];
        _start = new SemaphoreSlim[workers];
        _done = new CountdownEvent(1);
        for (int w = 0; w < workers; w++)
        {
            _start[w] = new SemaphoreSlim(0);
            int id = w + 1;
            _threads[w] = new Thread(() => WorkerLoop(id)) { IsBackground = true, Name = $"mlnet-margin-worker-{id}" };
            _threads[w].Start();
        }
    }

    /// <summary>
    /// True on a thread that is executing a chunk of some pool's work, where a nested <see cref="Run"/> would run
    /// inline; kernels use it to skip splitting work they would then run serially anyway.
    /// </summary>
    internal static bool IsInsideWork => t_insideWork;

    /// <summary>Threads that execute chunks, the calling thread included.</summary>
    public int DegreeOfParallelism { get; }

    /// <summary>Runs <paramref name="work"/> for chunks 0..<paramref name="chunkCount"/>-1 and waits for all of them.</summary>
    public void Run(IParallelWork work, int chunkCount)
    {
        if (chunkCount <= 0) return;
        if (chunkCount == 1 || DegreeOfParallelism == 1 || t_insideWork || !Monitor.TryEnter(_gate))
        {
            RunInline(work, chunkCount);
            return;
        }
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _work = work;
            _chunkCount = chunkCount;
            _failure = null;
            int active = Math.Min(_threads.Length, chunkCount - 1);
            _done.Reset(active);
            for (int w = 0; w < active; w++) _start[w].Release();
            t_insideWork = true;
            try { ExecuteShare(0); }
            finally { t_insideWork = false; }
            _done.Wait();
            _work = null;
            if (_failure is { } f) throw new AggregateException("A parallel kernel failed.", f);
        }
        finally
        {
            Monitor.Exit(_gate);
        }
    }

    private static void RunInline(IParallelWork work, int chunkCount)
    {
        bool outer = t_insideWork;
        t_insideWork = true;
        try { for (int c = 0; c < chunkCount; c++) work.Execute(c, chunkCount); }
        finally { t_insideWork = outer; }
    }

    private void ExecuteShare(int threadId)
    {
        int stride = Math.Min(DegreeOfParallelism, _chunkCount);
        for (int c = threadId; c < _chunkCount; c += stride) _work!.Execute(c, _chunkCount);
    }

    private void WorkerLoop(int id)
    {
        t_insideWork = true;
        while (true)
        {
            _start[id - 1].Wait();
            if (_disposed) return;
            try { ExecuteShare(id); }
            catch (Exception e) { _failure = e; }
            finally { _done.Signal(); }
        }
    }

    /// <summary>Stops the worker threads.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var s in _start) s.Release();
    }
}

using System.Diagnostics;

namespace MLNetMarginLoss.Cli;

/// <summary>
/// The bench's measure of communication alone: one training step's collective operations with the step's message
/// sizes (the class-sharded head's all-gather of the embeddings, its three small all-reduces and its reduce-scatter,
/// then the fused gradient all-reduce), each started right after a barrier so that no process waits for another's
/// computation; the median over repeats of rank 0's summed times. The difference from the communication time of
/// training is waiting (a slower or descheduled process), not transfer.
/// </summary>
internal static class CommunicationProbe
{
    /// <summary>Seconds per step (median of <paramref name="repeats"/>) and bytes per step of the collectives.</summary>
    public static (double Seconds, long Bytes) Measure(Communicator world, int gradientFloats, int rowsPerProcess, int embedding, int repeats = 30)
    {
        int size = world.Size, m = rowsPerProcess * size;
        var gradients = GC.AllocateArray<float>(gradientFloats, pinned: true);
        var local = new float[rowsPerProcess * embedding];
        var all = new float[m * embedding];
        var counts = Enumerable.Repeat(rowsPerProcess * embedding, size).ToArray();
        var targets = new double[m];
        var maxima = new float[2 * m];
        var sums = new double[4 * m + 2];
        var times = new double[repeats];
        long bytes = 0;
        for (int r = 0; r < repeats; r++)
        {
            long before = world.CommunicatedBytes;
            double total = 0;
            void Timed(Action operation)
            {
                world.Barrier();
                long start = Stopwatch.GetTimestamp();
                operation();
                total += Stopwatch.GetElapsedTime(start).TotalSeconds;
            }
            Timed(() => world.AllGather<float>(local, all, counts));
            Timed(() => world.AllReduce<double>(targets, ReduceOperation.Sum));
            Timed(() => world.AllReduce<float>(maxima, ReduceOperation.Max));
            Timed(() => world.AllReduce<double>(sums, ReduceOperation.Sum));
            Timed(() => world.ReduceScatter<float>(all, local, counts));
            Timed(() => world.AllReduce<float>(gradients, ReduceOperation.Sum));
            times[r] = total;
            bytes = world.CommunicatedBytes - before;
        }
        Array.Sort(times);
        return (times[repeats / 2], bytes);
    }
}

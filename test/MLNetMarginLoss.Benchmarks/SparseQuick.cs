using System.Diagnostics;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Kernels;

namespace MLNetMarginLoss.Benchmarks;

/// <summary>
/// The first Linear layer's forward product and weight gradient on sparse rows against the managed dense GEMM on the
/// same rows densified, by density, without BenchmarkDotNet:
/// <c>dotnet run -c Release --project test/MLNetMarginLoss.Benchmarks -- sparse-quick [--threads 2] [--rows 256] [--outputs 512] [--columns 16384]</c>.
/// Prints milliseconds per forward + weight-gradient pair (best of 5) and dense/sparse; it is the measurement behind the
/// reader's density rule (sparse rows up to 2 % stored).
/// </summary>
public static class SparseQuick
{
    /// <summary>Runs the table; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        int threads = 2, n = 256, m = 512, k = 16384;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--threads": threads = int.Parse(args[++i]); break;
                case "--rows": n = int.Parse(args[++i]); break;
                case "--outputs": m = int.Parse(args[++i]); break;
                case "--columns": k = int.Parse(args[++i]); break;
                default:
                    Console.Error.WriteLine($"sparse-quick: unknown option '{args[i]}' (expected --threads, --rows, --outputs, --columns).");
                    return 2;
            }
        }
        using var pool = new WorkerPool(threads);
        var dense = new ManagedGemm(pool);
        var sparse = new SparseGemm();
        var random = new Random(1);
        var w = Enumerable.Range(0, m * k).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var dy = Enumerable.Range(0, n * m).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var y = new float[n * m];
        var dw = new float[m * k];
        var x = new float[n * k];
        Console.WriteLine($"first Linear layer, batch {n}, {k} inputs → {m} outputs, {threads} thread(s): ms per forward + weight gradient (best of 5)");
        Console.WriteLine($"{"stored",8} {"sparse",10} {"dense",10} {"dense/sparse",13}");
        foreach (double density in new[] { 0.002, 0.01, 0.05, 0.1, 0.2, 0.4 })
        {
            var batch = new SparseBatch(k);
            var indices = new List<int>();
            var values = new List<float>();
            for (int i = 0; i < n; i++)
            {
                indices.Clear();
                values.Clear();
                for (int c = 0; c < k; c++)
                    if (random.NextDouble() < density) { indices.Add(c); values.Add((float)random.NextDouble()); }
                batch.AppendRow(indices.ToArray(), values.ToArray());
            }
            batch.Densify(x);
            double sparseMs = Best(() =>
            {
                sparse.MultiplyTransposed(pool, batch, w, m, 0f, y);
                sparse.TransposedTimes(pool, dy, m, batch, dw);
            });
            double denseMs = Best(() =>
            {
                dense.Sgemm(false, true, n, m, k, 1f, x, k, w, k, 0f, y, m);
                dense.Sgemm(true, false, m, k, n, 1f, dy, m, x, k, 0f, dw, k);
            });
            Console.WriteLine($"{density,8:P1} {sparseMs,10:F1} {denseMs,10:F1} {denseMs / sparseMs,13:F2}");
        }
        return 0;
    }

    private static double Best(Action action)
    {
        action();
        double best = double.MaxValue;
        for (int r = 0; r < 5; r++)
        {
            var clock = Stopwatch.StartNew();
            action();
            best = Math.Min(best, clock.Elapsed.TotalMilliseconds);
        }
        return best;
    }
}

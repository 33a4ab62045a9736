using System.Diagnostics;
using MLNetMarginLoss.Engine.Kernels;

namespace MLNetMarginLoss.Benchmarks;

/// <summary>
/// A few-seconds GEMM throughput table without BenchmarkDotNet:
/// <c>dotnet run -c Release --project test/MLNetMarginLoss.Benchmarks -- gemm-quick [--threads N] [--sizes 256,512] [--shapes]</c>.
/// Prints GFLOP/s (2·m·n·k per product) for every provider and size, and managed/OpenBLAS ratios.
/// </summary>
public static class GemmQuick
{
    /// <summary>Runs the table; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        int threads = 2;
        int[] sizes = [256, 512, 1024, 2048];
        bool shapes = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--threads": threads = int.Parse(args[++i]); break;
                case "--sizes": sizes = args[++i].Split(',').Select(int.Parse).ToArray(); break;
                case "--shapes": shapes = true; break;
                default:
                    Console.Error.WriteLine($"gemm-quick: unknown option '{args[i]}' (expected --threads N, --sizes a,b,c, --shapes).");
                    return 2;
            }
        }

        using var pool = new WorkerPool(threads);
        var providers = new List<IGemm>();
        if (OpenBlasGemm.TryGet() is { } blas) { blas.SetThreads(threads); providers.Add(blas); }
        var managed = new ManagedGemm(pool);
        providers.Add(managed);
        Console.WriteLine($"GEMM throughput, {threads} thread(s), managed kernel {managed.KernelName}, GFLOP/s (best of repeated runs)");

        var cases = new List<GemmShape>();
        foreach (int s in sizes) cases.Add(new GemmShape($"square {s}", false, false, s, s, s));
        if (shapes) cases.AddRange(GemmShape.SeedCnnLayers);

        Console.WriteLine($"{"shape",-34} {string.Join(" ", providers.Select(p => $"{p.Name,10}"))} {"managed/openblas",17}");
        foreach (var shape in cases)
        {
            var data = new GemmData(shape);
            var rates = providers.Select(p => Measure(p, shape, data)).ToArray();
            string ratio = providers.Count == 2 ? $"{rates[1] / rates[0],17:P0}" : "";
            Console.WriteLine($"{shape.ToString(),-34} {string.Join(" ", rates.Select(r => $"{r,10:F1}"))} {ratio}");
        }
        return 0;
    }

    private static double Measure(IGemm gemm, GemmShape s, GemmData d)
    {
        d.Run(gemm); // warm-up (JIT, scratch buffers, OpenBLAS threads)
        double flops = 2.0 * s.M * s.N * s.K;
        int reps = Math.Max(1, (int)Math.Min(1000, 2e8 / flops));
        double best = double.MaxValue;
        var total = Stopwatch.StartNew();
        for (int round = 0; round < 7 && (round < 3 || total.Elapsed.TotalSeconds < 1.5); round++)
        {
            var sw = Stopwatch.StartNew();
            for (int r = 0; r < reps; r++) d.Run(gemm);
            best = Math.Min(best, sw.Elapsed.TotalSeconds / reps);
        }
        return flops / best / 1e9;
    }
}

using System.Diagnostics;
using MLNetMarginLoss.Engine.Kernels;

namespace MLNetMarginLoss.Benchmarks;

/// <summary>
/// A few-seconds GEMM throughput table without BenchmarkDotNet:
/// <c>dotnet run -c Release --project test/MLNetMarginLoss.Benchmarks -- gemm-quick [--threads N] [--sizes 256,512] [--shapes] [--providers openblas,managed]</c>.
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
        string[] names = ["openblas", "managed"];
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--threads": threads = int.Parse(args[++i]); break;
                case "--sizes": sizes = args[++i].Split(',').Select(int.Parse).ToArray(); break;
                case "--shapes": shapes = true; break;
                case "--providers": names = args[++i].Split(','); break;
                default:
                    Console.Error.WriteLine($"gemm-quick: unknown option '{args[i]}' (expected --threads N, --sizes a,b,c, --shapes, --providers openblas,managed).");
                    return 2;
            }
        }

        using var pool = new WorkerPool(threads);
        var providers = new List<IGemm>();
        var managed = new ManagedGemm(pool);
        foreach (var name in names)
        {
            if (name == "managed") providers.Add(managed);
            else if (name == "openblas" && OpenBlasGemm.TryGet() is { } blas) { blas.SetThreads(threads); providers.Add(blas); }
            else if (name != "openblas") { Console.Error.WriteLine($"gemm-quick: unknown provider '{name}' (expected openblas or managed)."); return 2; }
        }
        Console.WriteLine($"GEMM throughput, {threads} thread(s), managed kernel {managed.KernelName}, GFLOP/s (best of repeated runs)");

        var cases = new List<GemmShape>();
        foreach (int s in sizes) cases.Add(GemmShape.Square(s));
        if (shapes) cases.AddRange(GemmShape.SeedCnnLayers);

        Console.WriteLine($"{"shape",-52} {string.Join(" ", providers.Select(p => $"{p.Name,10}"))} {"managed/openblas",17}");
        foreach (var shape in cases)
        {
            var data = new GemmData(shape);
            var rates = Measure(providers, shape, data);
            string ratio = providers.Count == 2 && providers[0].Name == "openblas" ? $"{rates[1] / rates[0],17:P0}" : "";
            Console.WriteLine($"{shape.LongName,-52} {string.Join(" ", rates.Select(r => $"{r,10:F1}"))} {ratio}");
        }
        return 0;
    }

    /// <summary>
    /// Best-of-rounds GFLOP/s per provider. Providers take turns (two passes, so a burst of load from other
    /// processes hits them alike), with a pause before each turn: OpenBLAS's threads keep spinning for a
    /// while after a call and would otherwise steal the cores from the next provider.
    /// </summary>
    private static double[] Measure(List<IGemm> providers, GemmShape s, GemmData d)
    {
        int reps = Math.Max(1, (int)Math.Min(1000, 5e7 / s.Flops));
        var best = Enumerable.Repeat(double.MaxValue, providers.Count).ToArray();
        for (int pass = 0; pass < 2; pass++)
        {
            for (int i = 0; i < providers.Count; i++)
            {
                Thread.Sleep(150);
                d.Run(providers[i]); // warm-up (JIT, scratch buffers, waking threads)
                for (int round = 0; round < 3; round++)
                {
                    var sw = Stopwatch.StartNew();
                    for (int r = 0; r < reps; r++) d.Run(providers[i]);
                    best[i] = Math.Min(best[i], sw.Elapsed.TotalSeconds / reps);
                }
            }
        }
        return best.Select(t => s.Flops / t / 1e9).ToArray();
    }
}

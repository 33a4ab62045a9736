using BenchmarkDotNet.Running;

namespace MLNetMarginLoss.Benchmarks;

/// <summary>
/// Runs the benchmarks: <c>dotnet run -c Release --project test/MLNetMarginLoss.Benchmarks -- --filter '*'</c>,
/// the quick GEMM table: <c>... -- gemm-quick</c>, the k-NN measurement: <c>... -- knn-quick</c>, the saving route at
/// many class counts: <c>... -- saving-quick</c>, or sparse against dense first-layer products: <c>... -- sparse-quick</c>.
/// </summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "gemm-quick") return GemmQuick.Run(args[1..]);
        if (args.Length > 0 && args[0] == "knn-quick") return KnnQuick.Run(args[1..]);
        if (args.Length > 0 && args[0] == "saving-quick") return SavingQuick.Run(args[1..]);
        if (args.Length > 0 && args[0] == "sparse-quick") return SparseQuick.Run(args[1..]);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}

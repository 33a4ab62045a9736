using BenchmarkDotNet.Attributes;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Kernels;

namespace MLNetMarginLoss.Benchmarks;

/// <summary>
/// Square SGEMM (C = A·B, n×n) for OpenBLAS and the managed GEMM, one thread per core, with a GFLOP/s column:
/// <c>dotnet run -c Release --project test/MLNetMarginLoss.Benchmarks -- --filter '*.GemmBenchmarks.*'</c>.
/// </summary>
[ShortRunJob]
[Config(typeof(GflopsConfig))]
public class GemmBenchmarks
{
    private ComputeContext _context = null!;
    private GemmData _data = null!;

    /// <summary>The GEMM implementation.</summary>
    [Params(GemmProvider.OpenBlas, GemmProvider.Managed)]
    public GemmProvider Provider { get; set; }

    /// <summary>m = n = k.</summary>
    [Params(256, 512, 1024, 2048)]
    public int Size { get; set; }

    /// <summary>Allocates the operands and the context.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _context = ComputeContext.Create(Provider);
        _data = new GemmData(GemmShape.Square(Size));
    }

    /// <summary>Stops the context's threads.</summary>
    [GlobalCleanup]
    public void Cleanup() => _context.Dispose();

    /// <summary>One product.</summary>
    [Benchmark]
    public void Sgemm() => _data.Run(_context.Gemm);
}

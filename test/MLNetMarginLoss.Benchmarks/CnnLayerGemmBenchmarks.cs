using BenchmarkDotNet.Attributes;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Kernels;

namespace MLNetMarginLoss.Benchmarks;

/// <summary>
/// The GEMM shapes of the seed CNN at batch 256 (<see cref="GemmShape.SeedCnnLayers"/>) for OpenBLAS and the
/// managed GEMM, with a GFLOP/s column:
/// <c>dotnet run -c Release --project test/MLNetMarginLoss.Benchmarks -- --filter '*CnnLayerGemmBenchmarks*'</c>.
/// </summary>
[ShortRunJob]
[Config(typeof(GflopsConfig))]
public class CnnLayerGemmBenchmarks
{
    private ComputeContext _context = null!;
    private GemmData _data = null!;

    /// <summary>The GEMM implementation.</summary>
    [Params(GemmProvider.OpenBlas, GemmProvider.Managed)]
    public GemmProvider Provider { get; set; }

    /// <summary>The layer's product.</summary>
    [ParamsSource(nameof(Shapes))]
    public GemmShape Shape { get; set; } = GemmShape.SeedCnnLayers[0];

    /// <summary>The values of <see cref="Shape"/>.</summary>
    public static IEnumerable<GemmShape> Shapes => GemmShape.SeedCnnLayers;

    /// <summary>Allocates the operands and the context.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _context = ComputeContext.Create(Provider);
        _data = new GemmData(Shape);
    }

    /// <summary>Stops the context's threads.</summary>
    [GlobalCleanup]
    public void Cleanup() => _context.Dispose();

    /// <summary>One product.</summary>
    [Benchmark]
    public void Sgemm() => _data.Run(_context.Gemm);
}

using BenchmarkDotNet.Attributes;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Kernels;
using MLNetMarginLoss.Engine.Layers;

namespace MLNetMarginLoss.Benchmarks;

/// <summary>
/// The seed CNN's convolutions at batch 256 on the default context (OpenBLAS when present, all cores), against
/// the bare GEMMs of the same sizes. conv2 (32→64, 3×3, on 32×26×26) costs 2·64·288·576·256 ≈ 5.44 GFLOP per
/// GEMM pass and forward + backward runs three passes, so GFLOP/s = 16.3 / seconds; the ratio to
/// <see cref="Conv2GemmOnly"/> is the share of GEMM speed the layer keeps after im2col, col2im and copies.
/// Run: <c>dotnet run -c Release --project test/MLNetMarginLoss.Benchmarks -- --filter '*Conv2d*'</c>.
/// </summary>
[MemoryDiagnoser]
public class Conv2dBenchmarks
{
    private const int Batch = 256;
    private ComputeContext _context = null!;
    private Conv2d _conv1 = null!, _conv2 = null!;
    private Tensor _x1 = null!, _dy1 = null!, _x2 = null!, _dy2 = null!;
    private float[] _w = [], _cols = [], _product = [], _dw = [];

    [GlobalSetup]
    public void Setup()
    {
        _context = ComputeContext.Create(GemmProvider.Auto);
        var random = new SeededRandom(1);
        Tensor Random(TensorShape shape)
        {
            var t = new Tensor(Batch, shape);
            foreach (ref var v in t.Span) v = random.Uniform(-1, 1);
            return t;
        }
        _conv1 = new Conv2d(1, 32, 3) { Context = _context, RequiresInputGradient = false };
        _conv2 = new Conv2d(32, 64, 3) { Context = _context };
        _x1 = Random(new TensorShape(1, 28, 28));
        _dy1 = Random(new TensorShape(32, 26, 26));
        _x2 = Random(new TensorShape(32, 26, 26));
        _dy2 = Random(new TensorShape(64, 24, 24));
        int columns = ChunkColumns;
        _w = new float[64 * 288];
        _cols = new float[288 * columns];
        _product = new float[64 * columns];
        _dw = new float[64 * 288];
    }

    // The chunk width conv2 uses: whole samples of 24·24 columns reaching the layer's target.
    private int ChunkColumns => Math.Max(1, (_conv2.TargetChunkColumns + 575) / 576) * 576;

    [GlobalCleanup]
    public void Cleanup() => _context.Dispose();

    /// <summary>conv2 forward + backward (input gradient included).</summary>
    [Benchmark]
    public void Conv2ForwardBackward()
    {
        _conv2.Forward(_x2, training: true);
        _conv2.Backward(_dy2);
    }

    /// <summary>The three GEMMs conv2 runs, on the same chunk shapes, without any data movement around them.</summary>
    [Benchmark(Baseline = true)]
    public void Conv2GemmOnly()
    {
        int ld = ChunkColumns, chunks = Batch * 576 / ld;
        var gemm = _context.Gemm;
        for (int c = 0; c < chunks; c++)
        {
            gemm.Sgemm(false, false, 64, ld, 288, 1f, _w, 288, _cols, ld, 0f, _product, ld);
            gemm.Sgemm(false, true, 64, 288, ld, 1f, _product, ld, _cols, ld, 1f, _dw, 288);
            gemm.Sgemm(true, false, 288, ld, 64, 1f, _w, 288, _product, ld, 0f, _cols, ld);
        }
    }

    /// <summary>conv1 (1→32 on 28×28) forward + backward; as the first layer it skips the input gradient.</summary>
    [Benchmark]
    public void Conv1ForwardBackward()
    {
        _conv1.Forward(_x1, training: true);
        _conv1.Backward(_dy1);
    }
}

using MLNetMarginLoss.Engine.Kernels;

namespace MLNetMarginLoss.Benchmarks;

/// <summary>Random operands for a <see cref="GemmShape"/>, allocated once.</summary>
internal sealed class GemmData
{
    private readonly GemmShape _s;
    private readonly float[] _a, _b, _c;

    /// <summary>Allocates and fills the operands.</summary>
    public GemmData(GemmShape shape)
    {
        _s = shape;
        var rng = new Random(42);
        _a = Fill(shape.M * shape.K, rng);
        _b = Fill(shape.K * shape.N, rng);
        _c = new float[shape.M * shape.N];
    }

    private static float[] Fill(int n, Random rng)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }

    /// <summary>Computes C = op(A)·op(B) once.</summary>
    public void Run(IGemm gemm)
    {
        var s = _s;
        int lda = s.TransA ? s.M : s.K, ldb = s.TransB ? s.K : s.N;
        gemm.Sgemm(s.TransA, s.TransB, s.M, s.N, s.K, 1f, _a, lda, _b, ldb, 0f, _c, s.N);
    }
}

namespace MLNetMarginLoss.Engine.Kernels;

/// <summary>
/// Sparse × dense products for a first <see cref="Layers.Linear"/> layer fed CSR rows (<see cref="SparseBatch"/>),
/// with W stored [m, k] row-major (PyTorch's [out, in]):
/// <list type="bullet">
/// <item><see cref="MultiplyTransposed"/>: Y[n×m] = X[n×k] · Wᵀ + β·Y, i.e. y[i,o] = Σ_{p ∈ row i} x_p · W[o, col_p] + β·y[i,o]
/// (the forward pass; Y holds the bias when β = 1);</item>
/// <item><see cref="TransposedTimes"/>: dW[m×k] = dYᵀ[m×n] · X[n×k], i.e. dW[o,c] = Σ_{i: x[i,c] ≠ 0} dY[i,o] · x[i,c]
/// (the weight gradient; columns no row of the batch touches are 0). The input gradient dX is never formed: a sparse
/// input is the network's input and needs none.</item>
/// </list>
/// Cost: O(m · nnz) multiply-adds instead of the dense GEMM's O(m · n · k), plus clearing dW (m · k) in the backward pass.
/// <para>
/// Each output is a sum over the stored values in their stored order (rows ascending for dW), accumulated in double and
/// rounded once, so the results equal <see cref="ReferenceGemm"/> on the densified rows bit for bit (the zeros it adds
/// change no double sum, and every float product is exact in double). Work is split over blocks of four output
/// features (W's rows); each output is computed by one thread in a fixed order, so results do not depend on the
/// thread count.
/// </para>
/// <para>
/// Written by hand because no package we use does this product: System.Numerics.Tensors (TensorPrimitives) has dense
/// element-wise and reduction primitives but no sparse matrix type or sparse GEMM, OpenBLAS has no sparse routines, and
/// ML.NET's sparse arithmetic is internal. TorchSharp has torch.sparse, but the engine does not reference TorchSharp.
/// </para>
/// </summary>
internal sealed class SparseGemm
{
    /// <summary>Output features per work item (rows of W processed together so each stored value is read once per block).</summary>
    private const int Block = 4;

    private readonly ForwardWork _forward;
    private readonly GradientWork _gradient;

    // The batch in compressed sparse column form (CSC) for the weight gradient: the distinct columns touched, and for
    // each, its entries' rows (ascending) and values. _slot maps a column to its next write position while building.
    private int[] _columns = [];
    private int[] _columnStart = [0];
    private int[] _entryRow = [];
    private float[] _entryValue = [];
    private int[] _slot = [];
    private int _columnCount;

    /// <summary>A kernel with its own work items and scratch (one per layer; not thread-safe).</summary>
    public SparseGemm()
    {
        _forward = new ForwardWork();
        _gradient = new GradientWork(this);
    }

    /// <summary>
    /// Y[n×m] = X · Wᵀ + β·Y for X = <paramref name="x"/> (n × k CSR), W = <paramref name="w"/> (m × k), Y = <paramref name="y"/>
    /// (n × m, row stride m). β is 0 (Y's previous contents ignored) or 1 (added, e.g. a bias already broadcast into Y).
    /// </summary>
    public void MultiplyTransposed(WorkerPool pool, SparseBatch x, float[] w, int m, float beta, float[] y)
    {
        int n = x.Rows, k = x.Columns;
        Check(m, k, w.Length, "W");
        if (y.Length < (long)n * m) throw new ArgumentException($"Y holds {y.Length} floats, needs {n}×{m}.", nameof(y));
        if (beta is not (0f or 1f)) throw new ArgumentOutOfRangeException(nameof(beta), beta, "β must be 0 or 1.");
        _forward.Set(x, w, m, beta, y);
        Run(pool, _forward, m);
    }

    /// <summary>
    /// dW[m×k] = dYᵀ · X for dY = <paramref name="dy"/> (n × m, row stride m) and X = <paramref name="x"/> (n × k CSR);
    /// overwrites all of <paramref name="dw"/> (m × k).
    /// </summary>
    public void TransposedTimes(WorkerPool pool, float[] dy, int m, SparseBatch x, float[] dw)
    {
        int n = x.Rows, k = x.Columns;
        Check(m, k, dw.Length, "dW");
        if (dy.Length < (long)n * m) throw new ArgumentException($"dY holds {dy.Length} floats, needs {n}×{m}.", nameof(dy));
        BuildColumns(x);
        _gradient.Set(dy, m, n, k, dw);
        Run(pool, _gradient, m);
    }

    private static void Check(int m, int k, int length, string name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(m);
        if (length < (long)m * k) throw new ArgumentException($"{name} holds {length} floats, needs {m}×{k}.");
    }

    private static void Run(WorkerPool pool, RangeWork work, int m) => work.Run(pool, (m + Block - 1) / Block);

    /// <summary>Transposes the batch into CSC (distinct columns ascending; within a column, rows ascending).</summary>
    private void BuildColumns(SparseBatch x)
    {
        int k = x.Columns, nnz = x.NonZeros;
        if (_slot.Length < k) _slot = new int[k]; // all zero between calls
        if (_entryRow.Length < nnz) { _entryRow = new int[nnz]; _entryValue = new float[nnz]; }
        if (_columns.Length < Math.Min(nnz, k)) _columns = new int[Math.Min(nnz, k)];
        var indices = x.Indices;
        int distinct = 0;
        foreach (int c in indices)
            if (_slot[c]++ == 0) _columns[distinct++] = c;
        Array.Sort(_columns, 0, distinct);
        if (_columnStart.Length < distinct + 1) _columnStart = new int[distinct + 1];
        int start = 0;
        for (int j = 0; j < distinct; j++)
        {
            int c = _columns[j];
            _columnStart[j] = start;
            start += _slot[c];
            _slot[c] = _columnStart[j];
        }
        _columnStart[distinct] = start;
        var rowStart = x.RowStart;
        var values = x.Values;
        for (int i = 0; i < x.Rows; i++)
            for (int p = rowStart[i]; p < rowStart[i + 1]; p++)
            {
                int at = _slot[indices[p]]++;
                _entryRow[at] = i;
                _entryValue[at] = values[p];
            }
        for (int j = 0; j < distinct; j++) _slot[_columns[j]] = 0;
        _columnCount = distinct;
    }

    /// <summary>Y = X·Wᵀ + β·Y over blocks of four of W's rows.</summary>
    private sealed class ForwardWork : RangeWork
    {
        private SparseBatch _x = null!;
        private float[] _w = [], _y = [];
        private int _m;
        private float _beta;

        public void Set(SparseBatch x, float[] w, int m, float beta, float[] y) { _x = x; _w = w; _m = m; _beta = beta; _y = y; }

        protected override void Process(int start, int end)
        {
            var rowStart = _x.RowStart;
            var indices = _x.Indices;
            var values = _x.Values;
            int k = _x.Columns, n = _x.Rows, m = _m;
            var w = _w.AsSpan();
            var y = _y.AsSpan();
            bool keep = _beta != 0;
            for (int o = start * Block; o < Math.Min(m, end * Block); o += Block)
            {
                if (o + Block <= m)
                {
                    var w0 = w.Slice(o * k, k);
                    var w1 = w.Slice((o + 1) * k, k);
                    var w2 = w.Slice((o + 2) * k, k);
                    var w3 = w.Slice((o + 3) * k, k);
                    for (int i = 0; i < n; i++)
                    {
                        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                        for (int p = rowStart[i]; p < rowStart[i + 1]; p++)
                        {
                            int c = indices[p];
                            double v = values[p];
                            s0 += v * w0[c];
                            s1 += v * w1[c];
                            s2 += v * w2[c];
                            s3 += v * w3[c];
                        }
                        var yi = y.Slice(i * m + o, Block);
                        yi[0] = (float)s0 + (keep ? yi[0] : 0f);
                        yi[1] = (float)s1 + (keep ? yi[1] : 0f);
                        yi[2] = (float)s2 + (keep ? yi[2] : 0f);
                        yi[3] = (float)s3 + (keep ? yi[3] : 0f);
                    }
                }
                else
                {
                    for (int q = o; q < m; q++)
                    {
                        var wq = w.Slice(q * k, k);
                        for (int i = 0; i < n; i++)
                        {
                            double s = 0;
                            for (int p = rowStart[i]; p < rowStart[i + 1]; p++) s += (double)values[p] * wq[indices[p]];
                            y[i * m + q] = (float)s + (keep ? y[i * m + q] : 0f);
                        }
                    }
                }
            }
        }
    }

    /// <summary>dW = dYᵀ·X over blocks of four of dW's rows, from the batch's CSC form.</summary>
    private sealed class GradientWork(SparseGemm owner) : RangeWork
    {
        private float[] _dy = [], _dw = [];
        private int _m, _n, _k;

        public void Set(float[] dy, int m, int n, int k, float[] dw) { _dy = dy; _m = m; _n = n; _k = k; _dw = dw; }

        protected override void Process(int start, int end)
        {
            int m = _m, k = _k, distinct = owner._columnCount;
            var columns = owner._columns.AsSpan(0, distinct);
            var columnStart = owner._columnStart;
            var entryRow = owner._entryRow;
            var entryValue = owner._entryValue;
            var dy = _dy.AsSpan(0, _n * m);
            var dw = _dw.AsSpan();
            int first = start * Block, last = Math.Min(m, end * Block);
            dw.Slice(first * k, (last - first) * k).Clear();
            for (int o = first; o < last; o += Block)
            {
                int width = Math.Min(Block, m - o);
                for (int j = 0; j < distinct; j++)
                {
                    int c = columns[j];
                    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                    if (width == Block)
                    {
                        for (int e = columnStart[j]; e < columnStart[j + 1]; e++)
                        {
                            double v = entryValue[e];
                            var d = dy.Slice(entryRow[e] * m + o, Block);
                            s0 += d[0] * v;
                            s1 += d[1] * v;
                            s2 += d[2] * v;
                            s3 += d[3] * v;
                        }
                        dw[o * k + c] = (float)s0 + 0f;
                        dw[(o + 1) * k + c] = (float)s1 + 0f;
                        dw[(o + 2) * k + c] = (float)s2 + 0f;
                        dw[(o + 3) * k + c] = (float)s3 + 0f;
                    }
                    else
                    {
                        for (int q = 0; q < width; q++)
                        {
                            double s = 0;
                            for (int e = columnStart[j]; e < columnStart[j + 1]; e++) s += (double)dy[entryRow[e] * m + o + q] * entryValue[e];
                            dw[(o + q) * k + c] = (float)s + 0f;
                        }
                    }
                }
            }
        }
    }
}

using System.Numerics.Tensors;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Kernels;
using Tensor = MLNetMarginLoss.Engine.Tensor;

namespace MLNetMarginLoss.Heads;

/// <summary>
/// The class centres of a cosine head: the weight W [C·K, E] (K centres per class; row j·K + k is centre k of class j),
/// stored in a <see cref="RowMatrix"/> so that C·K·E may exceed 2³¹. Given unit embeddings x̂ [N, E] and a set of
/// columns (every class, or the classes a Partial FC sampler or a rank's shard chose, ascending), it computes
/// cos θ_ij = max over class j's centres of x̂_i·w_r / max(‖w_r‖, 10⁻¹²), clamped to [−1 + ε, 1 − ε]
/// (<see cref="CosineWork"/> keeps what backward needs: the arg-max centre and the rows' inverse norms; the clamped
/// cosines themselves tell where the clamp cut).
/// The normalisation of W is folded into the product (the GEMM runs on the raw rows, each column is then scaled by
/// 1/‖w_r‖), so no normalised copy of W is ever held.
/// <para>
/// Backward, from ∂L/∂cos [N, S]: zero where the clamp cut; to the arg-max centre only (ties: the lowest index);
/// D = ∂L/∂cosK ∘ (1/‖w_r‖) per column; ∂L/∂x̂ = D·W_cols; G_r = Σ_i D_ir x̂_i and
/// ∂L/∂w_r = G_r − (w_r·G_r)·w_r/‖w_r‖² (= (g − ŵ(ŵ·g))/‖w‖ with g = Σ_i ∂L/∂cos_ir x̂_i; G_r alone where ‖w_r‖ is
/// below the floor), written for the columns' rows only (<see cref="GradientRow"/>, <see cref="GradientRows"/>), which is
/// what a Partial FC step updates.
/// </para>
/// </summary>
internal sealed class ClassCenters
{
    /// <summary>The norm below which a row is divided by this floor instead of its norm (as <c>F.normalize</c>).</summary>
    public const float NormFloor = 1e-12f;

    private RowMatrix? _fullGradient;
    private float[] _subsetGradient = [];
    private long[] _gradientRows = [];
    private int _gradientRowCount;
    private bool _gradientIsFull;

    /// <summary>Creates C·K zero centres of dimension E (call <see cref="Initialize(SeededRandom)"/> for Xavier-uniform values).</summary>
    public ClassCenters(int classCount, int subCenters, int embeddingSize, int pageFloats = RowMatrix.DefaultPageFloats)
    {
        if (classCount < 2) throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "A margin head needs at least 2 classes.");
        if (subCenters < 1) throw new ArgumentOutOfRangeException(nameof(subCenters), subCenters, $"A cosine head needs at least 1 centre per class (SubCenters ≥ 1), got {subCenters}.");
        if (embeddingSize < 1) throw new ArgumentOutOfRangeException(nameof(embeddingSize), embeddingSize, "The embedding size must be at least 1.");
        if ((long)classCount * subCenters > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(classCount), classCount, $"{classCount} classes × {subCenters} centres exceed {int.MaxValue} centre rows.");
        ClassCount = classCount;
        SubCenters = subCenters;
        EmbeddingSize = embeddingSize;
        Weight = new RowMatrix((long)classCount * subCenters, embeddingSize, pageFloats);
    }

    /// <summary>Number of classes C.</summary>
    public int ClassCount { get; }

    /// <summary>Centres per class K.</summary>
    public int SubCenters { get; }

    /// <summary>Embedding dimension E.</summary>
    public int EmbeddingSize { get; }

    /// <summary>Centre rows C·K.</summary>
    public int RowCount => ClassCount * SubCenters;

    /// <summary>The centres [C·K, E], row j·K + k being centre k of class j (state-dict name <c>weight</c>).</summary>
    public RowMatrix Weight { get; }

    /// <summary>Kernels to run on.</summary>
    public ComputeContext Context { get; set; } = ComputeContext.Default;

    /// <summary>
    /// Xavier-uniform (Glorot) initialisation, as the reference implementations use for class centres:
    /// U(−b, b) with b = √(6 / (C·K + E)), drawn in row-major order.
    /// </summary>
    public void Initialize(SeededRandom random) => Initialize(random, 0, RowCount);

    /// <summary>
    /// The rows [<paramref name="firstRow"/>, <paramref name="firstRow"/> + <see cref="RowCount"/>) of a Xavier-uniform
    /// initialisation of <paramref name="totalRows"/> rows (a class shard's part of the whole head): the bound is the
    /// whole head's, and the draws of the other rows are made and skipped, so the shard holds exactly the values one
    /// process would give these rows and <paramref name="random"/> ends where it would.
    /// </summary>
    public void Initialize(SeededRandom random, long firstRow, long totalRows)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (firstRow < 0 || firstRow + RowCount > totalRows)
            throw new ArgumentOutOfRangeException(nameof(firstRow), firstRow, $"Rows [{firstRow}, {firstRow + RowCount}) are not within {totalRows} rows.");
        float bound = MathF.Sqrt(6f / ((float)totalRows + EmbeddingSize));
        for (long skip = firstRow * EmbeddingSize; skip > 0; skip--) random.NextUInt64();
        foreach (var (_, _, page) in Weight.Pages)
            foreach (ref var w in page.AsSpan()) w = random.Uniform(-bound, bound);
        for (long skip = (totalRows - firstRow - RowCount) * EmbeddingSize; skip > 0; skip--) random.NextUInt64();
    }

    /// <summary>The centre rows' gradient written by the last <see cref="Backward"/>, row-major, one row per entry of <see cref="GradientRows"/>.</summary>
    public ReadOnlySpan<float> SubsetGradient => _gradientIsFull ? throw new InvalidOperationException("The last backward pass covered every centre: read FullGradient.") : _subsetGradient.AsSpan(0, _gradientRowCount * EmbeddingSize);

    /// <summary>True when the last <see cref="Backward"/> covered every centre (its gradient is <see cref="FullGradient"/>).</summary>
    public bool GradientIsFull => _gradientIsFull;

    /// <summary>The gradient of every centre from the last <see cref="Backward"/> over all columns.</summary>
    public RowMatrix FullGradient => _fullGradient ?? throw new InvalidOperationException("No backward pass over all centres has run.");

    /// <summary>The centre rows the last <see cref="Backward"/> wrote a gradient for (ascending).</summary>
    public ReadOnlySpan<long> GradientRows => _gradientRows.AsSpan(0, _gradientRowCount);

    /// <summary>The gradient of row <paramref name="index"/>-th entry of <see cref="GradientRows"/> (works for both kinds of pass).</summary>
    public ReadOnlySpan<float> GradientRow(int index) => _gradientIsFull
        ? FullGradient.Row(_gradientRows[index])
        : _subsetGradient.AsSpan(index * EmbeddingSize, EmbeddingSize);

    /// <summary>
    /// Clamped cosines [N, S] of <paramref name="unitEmbeddings"/> against the classes <paramref name="columns"/>
    /// (ascending; null = every class in order) into <paramref name="cosines"/>; <paramref name="work"/> keeps what
    /// <see cref="Backward"/> needs.
    /// </summary>
    public void Forward(CosineWork work, Tensor unitEmbeddings, int[]? columns, int columnCount, float low, float high, Tensor cosines)
    {
        int n = unitEmbeddings.Rows, e = EmbeddingSize, k = SubCenters;
        if (unitEmbeddings.RowSize != e) throw new ArgumentException($"Embeddings of size {unitEmbeddings.RowSize}, the centres have {e}.", nameof(unitEmbeddings));
        int s = columns is null ? ClassCount : columnCount;
        int sk = s * k;
        work.Begin(columns, s, k, n, e, low, high);
        cosines.Reshape(n, TensorShape.Vector(s));
        var raw = k == 1 ? cosines : work.RawScratch(n, sk);
        if (n > 0)
        {
            var x = unitEmbeddings.Span;
            if (columns is null)
            {
                for (int p = 0; p < Weight.PageCount; p++)
                {
                    var page = Weight.Page(p);
                    int first = (int)Weight.PageFirstRow(p), count = Weight.PageRowCount(p);
                    for (int r = 0; r < count; r++) work.InverseNorms[first + r] = InverseNorm(page.AsSpan(r * e, e));
                    Context.Gemm.Sgemm(false, true, n, count, e, 1f, x, e, page, e, 0f, raw.Span[first..], sk);
                }
            }
            else
            {
                var gathered = work.GatheredWeights(sk * e);
                for (int c = 0; c < s; c++)
                    for (int q = 0; q < k; q++)
                    {
                        var row = Weight.Row((long)columns[c] * k + q);
                        row.CopyTo(gathered.AsSpan((c * k + q) * e, e));
                        work.InverseNorms[c * k + q] = InverseNorm(row);
                    }
                Context.Gemm.Sgemm(false, true, n, sk, e, 1f, x, e, gathered, e, 0f, raw.Span, sk);
            }
            var inverse = work.InverseNorms.AsSpan(0, sk);
            for (int i = 0; i < n; i++) TensorPrimitives.Multiply(raw.Row(i), inverse, raw.Row(i));
            work.MaxAndClamp(raw, cosines);
        }
    }

    /// <summary>
    /// From ∂L/∂cos [N, S] of the last <see cref="Forward"/> with <paramref name="work"/> (modified in place), writes
    /// ∂L/∂x̂ into <paramref name="unitEmbeddingGradient"/> and the gradient of the columns' centre rows;
    /// <paramref name="cosines"/> are that forward pass's clamped cosines (an entry at a bound was cut by the clamp).
    /// </summary>
    public void Backward(CosineWork work, Tensor unitEmbeddings, Tensor cosines, Tensor cosineGradient, Tensor unitEmbeddingGradient)
    {
        int n = work.Rows, e = EmbeddingSize, k = SubCenters, s = work.Columns, sk = s * k;
        if (cosineGradient.Rows != n || cosineGradient.RowSize != s)
            throw new ArgumentException($"The cosine gradient must be [{n}, {s}] like the last forward output, got {cosineGradient}.", nameof(cosineGradient));
        unitEmbeddingGradient.Reshape(n, TensorShape.Vector(e));
        var d = work.ApplyClampAndScatter(cosines, cosineGradient);   // ∂L/∂cosK [n, SK], clamp applied
        var inverse = work.InverseNorms.AsSpan(0, sk);
        for (int i = 0; i < n; i++) TensorPrimitives.Multiply(d.Row(i), inverse, d.Row(i));
        var x = unitEmbeddings.Span;
        var dx = unitEmbeddingGradient.Span;
        if (work.ColumnClasses is null)
        {
            _gradientIsFull = true;
            _fullGradient ??= new RowMatrix(Weight.Rows, e, Weight.RowsPerPage * e);
            EnsureGradientRows(sk);
            for (int r = 0; r < sk; r++) _gradientRows[r] = r;
            if (n == 0) { dx.Clear(); _fullGradient.Clear(); return; }
            for (int p = 0; p < Weight.PageCount; p++)
            {
                var page = Weight.Page(p);
                int first = (int)Weight.PageFirstRow(p), count = Weight.PageRowCount(p);
                var block = d.Span[first..];
                Context.Gemm.Sgemm(false, false, n, e, count, 1f, block, sk, page, e, p == 0 ? 0f : 1f, dx, e);
                var grad = _fullGradient.Page(p);
                Context.Gemm.Sgemm(true, false, count, e, n, 1f, block, sk, x, e, 0f, grad, e);
                for (int r = 0; r < count; r++)
                    ProjectRow(grad.AsSpan(r * e, e), page.AsSpan(r * e, e), work.InverseNorms[first + r]);
            }
        }
        else
        {
            _gradientIsFull = false;
            EnsureGradientRows(sk);
            if (_subsetGradient.Length < sk * e) _subsetGradient = new float[sk * e];
            var columns = work.ColumnClasses;
            for (int c = 0; c < s; c++)
                for (int q = 0; q < k; q++) _gradientRows[c * k + q] = (long)columns[c] * k + q;
            var gathered = work.GatheredWeights(sk * e);
            if (n == 0) { dx.Clear(); _subsetGradient.AsSpan(0, sk * e).Clear(); return; }
            Context.Gemm.Sgemm(false, false, n, e, sk, 1f, d.Span, sk, gathered, e, 0f, dx, e);
            Context.Gemm.Sgemm(true, false, sk, e, n, 1f, d.Span, sk, x, e, 0f, _subsetGradient, e);
            for (int r = 0; r < sk; r++)
                ProjectRow(_subsetGradient.AsSpan(r * e, e), gathered.AsSpan(r * e, e), work.InverseNorms[r]);
        }
    }

    /// <summary>Raw centre cosines [N, C·K] (no clamp, no max) against every centre, for utilities such as outlier detection.</summary>
    public void CentreCosines(CosineWork work, Tensor unitEmbeddings, Tensor centreCosines)
    {
        int n = unitEmbeddings.Rows, e = EmbeddingSize, ck = RowCount;
        work.Begin(null, ClassCount, SubCenters, n, e, float.NegativeInfinity, float.PositiveInfinity);
        centreCosines.Reshape(n, TensorShape.Vector(ck));
        if (n == 0) return;
        for (int p = 0; p < Weight.PageCount; p++)
        {
            var page = Weight.Page(p);
            int first = (int)Weight.PageFirstRow(p), count = Weight.PageRowCount(p);
            for (int r = 0; r < count; r++) work.InverseNorms[first + r] = InverseNorm(page.AsSpan(r * e, e));
            Context.Gemm.Sgemm(false, true, n, count, e, 1f, unitEmbeddings.Span, e, page, e, 0f, centreCosines.Span[first..], ck);
        }
        var inverse = work.InverseNorms.AsSpan(0, ck);
        for (int i = 0; i < n; i++) TensorPrimitives.Multiply(centreCosines.Row(i), inverse, centreCosines.Row(i));
    }

    private void EnsureGradientRows(int count)
    {
        if (_gradientRows.Length < count) _gradientRows = new long[count];
        _gradientRowCount = count;
    }

    /// <summary>1 / max(‖w‖, floor).</summary>
    internal static float InverseNorm(ReadOnlySpan<float> row) => 1f / Math.Max(TensorPrimitives.Norm(row), NormFloor);

    /// <summary>G ← G − (w·G)·w·inv² (the normalisation's backward with the 1/‖w‖ factor already in G); G alone below the floor.</summary>
    private static void ProjectRow(Span<float> gradient, ReadOnlySpan<float> weight, float inverseNorm)
    {
        if (inverseNorm >= 1f / NormFloor) return;
        float dot = TensorPrimitives.Dot(weight, gradient);
        TensorPrimitives.MultiplyAdd(weight, -dot * inverseNorm * inverseNorm, gradient, gradient);
    }

    /// <summary>Buffers of one forward/backward pass through the centres (training and inference keep their own).</summary>
    internal sealed class CosineWork
    {
        private readonly Tensor _raw = new(0, TensorShape.Vector(1));
        private float[] _gathered = [];
        private int[] _argmax = [];
        private float _low, _high;
        private int _k;

        /// <summary>1/‖w_r‖ of the pass's centre rows, in column order.</summary>
        public float[] InverseNorms { get; private set; } = [];

        /// <summary>The pass's classes (null: all).</summary>
        public int[]? ColumnClasses { get; private set; }

        /// <summary>Columns S.</summary>
        public int Columns { get; private set; }

        /// <summary>Rows N.</summary>
        public int Rows { get; private set; }

        public void Begin(int[]? columns, int s, int k, int n, int e, float low, float high)
        {
            ColumnClasses = columns;
            Columns = s;
            Rows = n;
            _k = k;
            _low = low;
            _high = high;
            if (InverseNorms.Length < s * k) InverseNorms = new float[s * k];
            if (k > 1 && _argmax.Length < n * s) _argmax = new int[checked(n * s)];
        }

        public Tensor RawScratch(int n, int sk)
        {
            _raw.Reshape(n, TensorShape.Vector(sk));
            return _raw;
        }

        public float[] GatheredWeights(int length)
        {
            if (_gathered.Length < length) _gathered = new float[length];
            return _gathered;
        }

        /// <summary>
        /// cos = clamp(max over each class's centres) (K = 1: the clamp alone, vectorised; NaN stays NaN, so a diverged
        /// batch shows in the loss), remembering the arg-max centre for backward.
        /// </summary>
        public void MaxAndClamp(Tensor raw, Tensor cosines)
        {
            int n = Rows, s = Columns, k = _k;
            if (k == 1)
            {
                TensorPrimitives.Max(raw.Span, _low, cosines.Span);
                TensorPrimitives.Min(cosines.Span, _high, cosines.Span);
                return;
            }
            for (int i = 0; i < n; i++)
            {
                var src = raw.Row(i);
                var dst = cosines.Row(i);
                for (int j = 0; j < s; j++)
                {
                    var centres = src.Slice(j * k, k);
                    int arg = 0;
                    float best = centres[0];
                    for (int q = 1; q < k; q++)
                        if (centres[q] > best) { best = centres[q]; arg = q; }
                    _argmax[i * s + j] = arg;
                    dst[j] = Math.Clamp(best, _low, _high);
                }
            }
        }

        /// <summary>
        /// Zeroes the gradient where the clamp cut (the clamped cosine sits on a bound; the gradient is kept only strictly
        /// inside, which differs from "raw value within the bounds" only when a raw value equals a bound exactly) and, for
        /// K &gt; 1, spreads ∂L/∂cos to the arg-max centres: ∂L/∂cosK [N, S·K].
        /// </summary>
        public Tensor ApplyClampAndScatter(Tensor cosines, Tensor cosineGradient)
        {
            int n = Rows, s = Columns, k = _k;
            for (int i = 0; i < n; i++) ZeroWhereClamped(cosines.Row(i), cosineGradient.Row(i), _low, _high);
            if (k == 1) return cosineGradient;
            _raw.Reshape(n, TensorShape.Vector(s * k));
            _raw.Clear();
            for (int i = 0; i < n; i++)
            {
                var src = cosineGradient.Row(i);
                var dst = _raw.Row(i);
                for (int j = 0; j < s; j++) dst[j * k + _argmax[i * s + j]] = src[j];
            }
            return _raw;
        }

        private static void ZeroWhereClamped(ReadOnlySpan<float> cos, Span<float> gradient, float low, float high)
        {
            int j = 0;
            if (System.Numerics.Vector.IsHardwareAccelerated)
            {
                int width = System.Numerics.Vector<float>.Count;
                var vLow = new System.Numerics.Vector<float>(low);
                var vHigh = new System.Numerics.Vector<float>(high);
                for (; j <= cos.Length - width; j += width)
                {
                    var c = new System.Numerics.Vector<float>(cos.Slice(j, width));
                    var inside = System.Numerics.Vector.BitwiseAnd(System.Numerics.Vector.GreaterThan(c, vLow), System.Numerics.Vector.LessThan(c, vHigh));
                    System.Numerics.Vector.ConditionalSelect(inside, new System.Numerics.Vector<float>(gradient.Slice(j, width)), System.Numerics.Vector<float>.Zero).CopyTo(gradient.Slice(j, width));
                }
            }
            for (; j < cos.Length; j++) if (!(cos[j] > low && cos[j] < high)) gradient[j] = 0;
        }
    }
}

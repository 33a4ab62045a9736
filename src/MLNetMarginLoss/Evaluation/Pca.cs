namespace MLNetMarginLoss.Evaluation;

/// <summary>
/// Principal component analysis of row-major data: the eigen-decomposition of the centred sample covariance
/// (divided by N − 1), computed in double precision.
/// </summary>
public sealed class Pca
{
    private readonly double[] _components;
    private readonly double[] _mean;

    private Pca(int dimension, double[] mean, double[] variances, double[] components)
    {
        Dimension = dimension;
        Mean = mean;
        _mean = mean;
        ExplainedVariance = variances;
        _components = components;
        double total = variances.Sum(v => Math.Max(0, v));
        var ratio = variances.Select(v => total > 0 ? Math.Max(0, v) / total : 0).ToArray();
        ExplainedVarianceRatio = ratio;
        var cumulative = new double[ratio.Length];
        double acc = 0;
        for (int i = 0; i < ratio.Length; i++) { acc += ratio[i]; cumulative[i] = acc; }
        CumulativeExplainedVarianceRatio = cumulative;
    }

    /// <summary>Input dimension D.</summary>
    public int Dimension { get; }

    /// <summary>Mean of the data (length D).</summary>
    public IReadOnlyList<double> Mean { get; }

    /// <summary>Variance along each principal component, decreasing (length D).</summary>
    public IReadOnlyList<double> ExplainedVariance { get; }

    /// <summary>Each component's share of the total variance, decreasing.</summary>
    public IReadOnlyList<double> ExplainedVarianceRatio { get; }

    /// <summary>Running sum of <see cref="ExplainedVarianceRatio"/> (the explained-variance curve).</summary>
    public IReadOnlyList<double> CumulativeExplainedVarianceRatio { get; }

    /// <summary>Principal axis <paramref name="index"/> (unit length, largest-magnitude entry positive).</summary>
    public ReadOnlySpan<double> Component(int index)
    {
        if ((uint)index >= (uint)Dimension) throw new ArgumentOutOfRangeException(nameof(index), index, $"Component index must be in [0, {Dimension}).");
        return _components.AsSpan(index * Dimension, Dimension);
    }

    /// <summary>Fits the PCA to <paramref name="rows"/> (N × <paramref name="dimension"/>, N ≥ 2).</summary>
    public static Pca Fit(ReadOnlySpan<float> rows, int dimension)
    {
        int n = Embeddings.RowNormalization.CheckShape(rows.Length, dimension, nameof(rows));
        if (n < 2) throw new ArgumentException($"PCA needs at least 2 rows; got {n}.", nameof(rows));
        int d = dimension;
        var mean = new double[d];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++)
            {
                float x = rows[i * d + j];
                if (!float.IsFinite(x)) throw new ArgumentException($"Value at row {i}, column {j} is {x}; PCA needs finite data.", nameof(rows));
                mean[j] += x;
            }
        for (int j = 0; j < d; j++) mean[j] /= n;
        var cov = new double[d * d];
        var centred = new double[d];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++) centred[j] = rows[i * d + j] - mean[j];
            for (int j = 0; j < d; j++)
            {
                double cj = centred[j];
                if (cj == 0) continue;
                // Upper triangle of row j: cov[j, j..] += c_j · c[j..]
                var covRow = cov.AsSpan(j * d + j, d - j);
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(centred.AsSpan(j), cj, covRow, covRow);
            }
        }
        for (int j = 0; j < d; j++)
            for (int k = j; k < d; k++)
            {
                double c = cov[j * d + k] / (n - 1);
                cov[j * d + k] = c; cov[k * d + j] = c;
            }
        var (values, vectors) = SymmetricEigenSolver.Decompose(cov, d);
        return new Pca(d, mean, values, vectors);
    }

    /// <summary>Projects rows onto the first <paramref name="components"/> principal axes (centred), row-major N × components.</summary>
    public float[] Project(ReadOnlySpan<float> rows, int components)
    {
        int n = Embeddings.RowNormalization.CheckShape(rows.Length, Dimension, nameof(rows));
        if (components < 1 || components > Dimension)
            throw new ArgumentOutOfRangeException(nameof(components), components, $"Components must be between 1 and {Dimension}.");
        int d = Dimension;
        var result = new float[n * components];
        for (int i = 0; i < n; i++)
            for (int c = 0; c < components; c++)
            {
                double s = 0;
                for (int j = 0; j < d; j++) s += (rows[i * d + j] - _mean[j]) * _components[c * d + j];
                result[i * components + c] = (float)s;
            }
        return result;
    }
}

namespace MLNetMarginLoss.Evaluation;

/// <summary>
/// Eigen-decomposition of a small dense symmetric matrix by cyclic Jacobi rotations, in double precision.
/// Accurate to working precision (eigenvalues and orthonormal eigenvectors); O(n³) per sweep, meant for
/// covariance matrices of embedding dimensions (up to a few hundred).
/// </summary>
public static class SymmetricEigenSolver
{
    /// <summary>
    /// Decomposes the symmetric n×n matrix <paramref name="matrix"/> (row-major; only read).
    /// Returns the eigenvalues in decreasing order and the eigenvectors as the rows of an n×n row-major
    /// matrix, each with its largest-magnitude entry positive.
    /// </summary>
    public static (double[] Values, double[] Vectors) Decompose(ReadOnlySpan<double> matrix, int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        if (matrix.Length != n * n) throw new ArgumentException($"Expected an {n}×{n} matrix ({n * n} values); got {matrix.Length}.", nameof(matrix));
        var a = matrix.ToArray();
        for (int i = 0; i < n; i++)
            for (int j = 0; j < i; j++)
            {
                double x = a[i * n + j], y = a[j * n + i];
                if (!double.IsFinite(x) || Math.Abs(x - y) > 1e-6 * (Math.Abs(x) + Math.Abs(y)) + 1e-300)
                    throw new ArgumentException($"The matrix is not symmetric (or not finite) at ({i}, {j}): {x} vs {y}.", nameof(matrix));
            }
        var v = new double[n * n];
        for (int i = 0; i < n; i++) v[i * n + i] = 1;

        double total = 0;
        foreach (var x in a) total += x * x;
        for (int sweep = 0; sweep < 100; sweep++)
        {
            double off = 0;
            for (int p = 0; p < n; p++) for (int q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
            if (off <= 1e-30 * total || off == 0) break;
            for (int p = 0; p < n - 1; p++)
                for (int q = p + 1; q < n; q++)
                {
                    double apq = a[p * n + q];
                    if (apq == 0) continue;
                    double app = a[p * n + p], aqq = a[q * n + q];
                    double theta = (aqq - app) / (2 * apq);
                    double t = (theta >= 0 ? 1 : -1) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < n; k++)
                    {
                        double akp = a[k * n + p], akq = a[k * n + q];
                        a[k * n + p] = c * akp - s * akq;
                        a[k * n + q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double apk = a[p * n + k], aqk = a[q * n + k];
                        a[p * n + k] = c * apk - s * aqk;
                        a[q * n + k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double vkp = v[k * n + p], vkq = v[k * n + q];
                        v[k * n + p] = c * vkp - s * vkq;
                        v[k * n + q] = s * vkp + c * vkq;
                    }
                }
        }

        var order = Enumerable.Range(0, n).OrderByDescending(i => a[i * n + i]).ThenBy(i => i).ToArray();
        var values = new double[n];
        var vectors = new double[n * n];
        for (int r = 0; r < n; r++)
        {
            int col = order[r];
            values[r] = a[col * n + col];
            int argMax = 0;
            for (int k = 0; k < n; k++) if (Math.Abs(v[k * n + col]) > Math.Abs(v[argMax * n + col])) argMax = k;
            double sign = v[argMax * n + col] < 0 ? -1 : 1;
            for (int k = 0; k < n; k++) vectors[r * n + k] = sign * v[k * n + col];
        }
        return (values, vectors);
    }
}

using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Heads;

namespace MLNetMarginLoss.Tests.Heads;

/// <summary>Double-precision reference maths for the head tests, written independently of the library.</summary>
internal static class HeadMath
{
    /// <summary>A 2-D vector of length <paramref name="radius"/> at <paramref name="angle"/> radians.</summary>
    public static float[] Polar(double angle, double radius = 1) => [(float)(radius * Math.Cos(angle)), (float)(radius * Math.Sin(angle))];

    /// <summary>Concatenates row vectors.</summary>
    public static float[] Rows(params float[][] rows) => rows.SelectMany(r => r).ToArray();

    /// <summary>cos between row i of x [n, e] and row j of w [rows, e], in double.</summary>
    public static double Cos(float[] x, int i, float[] w, int j, int e)
    {
        double dot = 0, nx = 0, nw = 0;
        for (int p = 0; p < e; p++)
        {
            double a = x[i * e + p], b = w[j * e + p];
            dot += a * b; nx += a * a; nw += b * b;
        }
        return dot / Math.Sqrt(nx * nw);
    }

    /// <summary>‖row i‖ in double.</summary>
    public static double Norm(float[] x, int i, int e)
    {
        double s = 0;
        for (int p = 0; p < e; p++) s += (double)x[i * e + p] * x[i * e + p];
        return Math.Sqrt(s);
    }

    /// <summary>cos θ_ij of class j (max over its k centres) for every row.</summary>
    public static double[,] ClassCosines(float[] x, int n, float[] w, int classes, int e, int k = 1)
    {
        var c = new double[n, classes];
        for (int i = 0; i < n; i++)
        for (int j = 0; j < classes; j++)
        {
            double best = double.NegativeInfinity;
            for (int q = 0; q < k; q++) best = Math.Max(best, Cos(x, i, w, j * k + q, e));
            c[i, j] = best;
        }
        return c;
    }

    /// <summary>Mean softmax cross-entropy in double and its gradient with respect to the logits.</summary>
    public static double CrossEntropy(Tensor logits, int[] labels, out double[] gradient)
    {
        int n = logits.Rows, c = logits.RowSize;
        gradient = new double[n * c];
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            var z = logits.Row(i);
            double max = double.NegativeInfinity;
            for (int j = 0; j < c; j++) max = Math.Max(max, z[j]);
            double sum = 0;
            for (int j = 0; j < c; j++) sum += Math.Exp(z[j] - max);
            total += Math.Log(sum) + max - z[labels[i]];
            for (int j = 0; j < c; j++)
                gradient[i * c + j] = (Math.Exp(z[j] - max) / sum - (j == labels[i] ? 1 : 0)) / n;
        }
        return total / n;
    }

    /// <summary>Sets the head's class centres (the softmax head's weight) to <paramref name="weights"/>.</summary>
    public static T WithWeights<T>(this T head, float[] weights) where T : MarginHead
    {
        var target = head is CosineMarginHead cosine ? cosine.Centers.Weight.Page(0) : head.Parameters[0].Value;
        if (target.Length != weights.Length) throw new ArgumentException($"The head's weight needs {target.Length} values, got {weights.Length}.");
        weights.CopyTo(target, 0);
        return head;
    }

    /// <summary>Asserts two logits tensors agree within a relative tolerance.</summary>
    public static void AssertLogits(double[,] expected, Tensor actual, double tolerance = 2e-5, string? what = null)
    {
        Assert.AreEqual(expected.GetLength(0), actual.Rows, "rows");
        Assert.AreEqual(expected.GetLength(1), actual.RowSize, "columns");
        for (int i = 0; i < actual.Rows; i++)
        for (int j = 0; j < actual.RowSize; j++)
        {
            double e = expected[i, j], a = actual.Row(i)[j];
            Assert.IsTrue(Math.Abs(e - a) <= tolerance * Math.Max(1, Math.Abs(e)),
                $"{what} logit [{i},{j}]: expected {e:R}, got {a:R}.");
        }
    }

    /// <summary>ArcFace's target with insightface's fallback, computed from the angle.</summary>
    public static double ArcTarget(double c, double m, bool easy = false)
    {
        double theta = Math.Acos(c);
        if (easy) return c > 0 ? Math.Cos(theta + m) : c;
        return theta + m <= Math.PI ? Math.Cos(theta + m) : c - m * Math.Sin(m);
    }
}

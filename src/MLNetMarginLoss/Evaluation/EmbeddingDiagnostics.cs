using MLNetMarginLoss.Embeddings;

namespace MLNetMarginLoss.Evaluation;

/// <summary>
/// Geometry of a labelled embedding set on the unit sphere: how tight the classes are (mean angle of each
/// normalised embedding to its class centre) and how far apart they are (smallest angle between class
/// centres), plus the PCA explained-variance curve. A class centre is the normalised mean of the class's
/// normalised embeddings. Angles are in degrees.
/// </summary>
public sealed class EmbeddingDiagnostics
{
    private EmbeddingDiagnostics(double meanIntra, IReadOnlyDictionary<int, double> perClass, double minInter, (int, int) closest, Pca pca)
    {
        MeanIntraClassAngle = meanIntra;
        PerClassMeanAngle = perClass;
        MinInterClassCenterAngle = minInter;
        ClosestClassPair = closest;
        Pca = pca;
    }

    /// <summary>Mean over all rows of the angle between the row and its class centre (degrees).</summary>
    public double MeanIntraClassAngle { get; }

    /// <summary>Mean angle to the centre for every class label (degrees).</summary>
    public IReadOnlyDictionary<int, double> PerClassMeanAngle { get; }

    /// <summary>Smallest angle between two class centres (degrees); NaN with fewer than two classes.</summary>
    public double MinInterClassCenterAngle { get; }

    /// <summary>The labels of the two classes whose centres are closest ((-1, -1) with fewer than two classes).</summary>
    public (int First, int Second) ClosestClassPair { get; }

    /// <summary>The PCA of the normalised embeddings.</summary>
    public Pca Pca { get; }

    /// <summary>Share of variance per principal component of the normalised embeddings.</summary>
    public IReadOnlyList<double> ExplainedVarianceRatio => Pca.ExplainedVarianceRatio;

    /// <summary>Computes the diagnostics of row-major <paramref name="embeddings"/> with their <paramref name="labels"/>.</summary>
    internal static EmbeddingDiagnostics Compute(ReadOnlySpan<float> embeddings, int dimension, ReadOnlySpan<int> labels)
    {
        int n = RowNormalization.CheckShape(embeddings.Length, dimension, nameof(embeddings));
        if (labels.Length != n) throw new ArgumentException($"Got {labels.Length} labels for {n} embeddings.", nameof(labels));
        if (n < 2) throw new ArgumentException($"Diagnostics need at least 2 rows; got {n}.", nameof(embeddings));
        int d = dimension;
        var x = RowNormalization.Normalize(embeddings, d);
        var centres = new SortedDictionary<int, double[]>();
        var sizes = new Dictionary<int, int>();
        for (int i = 0; i < n; i++)
        {
            if (!centres.TryGetValue(labels[i], out var c)) centres[labels[i]] = c = new double[d];
            for (int j = 0; j < d; j++) c[j] += x[i * d + j];
            sizes[labels[i]] = sizes.GetValueOrDefault(labels[i]) + 1;
        }
        foreach (var c in centres.Values)
        {
            double norm = Math.Sqrt(c.Sum(v => v * v));
            if (norm > 0) for (int j = 0; j < d; j++) c[j] /= norm;
        }
        var angleSum = new Dictionary<int, double>();
        double total = 0;
        for (int i = 0; i < n; i++)
        {
            var c = centres[labels[i]];
            double dot = 0;
            for (int j = 0; j < d; j++) dot += x[i * d + j] * c[j];
            double angle = AngleDegrees(dot);
            total += angle;
            angleSum[labels[i]] = angleSum.GetValueOrDefault(labels[i]) + angle;
        }
        var perClass = angleSum.ToDictionary(kv => kv.Key, kv => kv.Value / sizes[kv.Key]);
        double minAngle = double.NaN; (int, int) closest = (-1, -1);
        var keys = centres.Keys.ToArray();
        for (int a = 0; a < keys.Length; a++)
            for (int b = a + 1; b < keys.Length; b++)
            {
                double dot = 0;
                var ca = centres[keys[a]]; var cb = centres[keys[b]];
                for (int j = 0; j < d; j++) dot += ca[j] * cb[j];
                double angle = AngleDegrees(dot);
                if (double.IsNaN(minAngle) || angle < minAngle) { minAngle = angle; closest = (keys[a], keys[b]); }
            }
        return new EmbeddingDiagnostics(total / n, perClass, minAngle, closest, Pca.Fit(x, d));
    }

    private static double AngleDegrees(double cosine) => Math.Acos(Math.Clamp(cosine, -1, 1)) * (180 / Math.PI);
}

using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Data;

/// <summary>
/// A many-class data set for tests and benchmarks of wide heads: C class centres drawn uniformly on the unit sphere in
/// d dimensions, and for each class <c>samplesPerClass</c> samples centre + N(0, σ²·I/d) noise (so the noise vector's
/// expected length is σ), rows in class order. Deterministic per seed; classes are named "c0", "c1", ….
/// </summary>
internal static class SyntheticClasses
{
    /// <summary>Draws the data set (features [C·m, d], labels).</summary>
    public static Dataset Create(int classes, int samplesPerClass, int dimensions, double noise, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(samplesPerClass, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        var random = new SeededRandom(seed);
        long rows = (long)classes * samplesPerClass;
        var features = new float[checked(rows * dimensions)];
        var labels = new int[rows];
        var centre = new double[dimensions];
        double sigma = noise / Math.Sqrt(dimensions);
        for (int c = 0; c < classes; c++)
        {
            double norm = 0;
            for (int j = 0; j < dimensions; j++) { centre[j] = random.NextGaussian(); norm += centre[j] * centre[j]; }
            norm = Math.Sqrt(norm);
            for (int s = 0; s < samplesPerClass; s++)
            {
                int row = c * samplesPerClass + s;
                labels[row] = c;
                var x = features.AsSpan(row * dimensions, dimensions);
                for (int j = 0; j < dimensions; j++) x[j] = (float)(centre[j] / norm + sigma * random.NextGaussian());
            }
        }
        var names = Enumerable.Range(0, classes).Select(c => "c" + c.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return new Dataset(features, TensorShape.Vector(dimensions), labels, names, $"{classes:N0} synthetic classes");
    }

    /// <summary>
    /// <paramref name="rows"/> samples with labels drawn uniformly from <paramref name="classes"/> classes, for throughput
    /// measurements of very wide heads (not every class needs a sample): class c's centre is drawn from a generator seeded
    /// by (seed, c), so no C × d table of centres is held; sample = centre + N(0, σ²·I/d).
    /// </summary>
    public static Dataset CreateRandomLabels(int classes, int rows, int dimensions, double noise, long seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        var random = new SeededRandom(seed);
        var features = new float[checked((long)rows * dimensions)];
        var labels = new int[rows];
        var centre = new double[dimensions];
        double sigma = noise / Math.Sqrt(dimensions);
        for (int row = 0; row < rows; row++)
        {
            int c = random.NextInt(classes);
            labels[row] = c;
            var classRandom = new SeededRandom(unchecked(seed * 1_000_003L + c));
            double norm = 0;
            for (int j = 0; j < dimensions; j++) { centre[j] = classRandom.NextGaussian(); norm += centre[j] * centre[j]; }
            norm = Math.Sqrt(norm);
            var x = features.AsSpan(row * dimensions, dimensions);
            for (int j = 0; j < dimensions; j++) x[j] = (float)(centre[j] / norm + sigma * random.NextGaussian());
        }
        var names = new ClassNameList(classes);
        return new Dataset(features, TensorShape.Vector(dimensions), labels, names, $"{rows:N0} rows of {classes:N0} synthetic classes");
    }

    /// <summary>"c0", "c1", … made on demand (a million class names need not be held as strings).</summary>
    private sealed class ClassNameList(int count) : IReadOnlyList<string>
    {
        public string this[int index] => (uint)index < (uint)count ? "c" + index.ToString(System.Globalization.CultureInfo.InvariantCulture) : throw new ArgumentOutOfRangeException(nameof(index));
        public int Count => count;
        public IEnumerator<string> GetEnumerator() { for (int i = 0; i < count; i++) yield return this[i]; }
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>Splits per class: the first <paramref name="trainPerClass"/> samples of each class for training, the rest for testing.</summary>
    public static (Dataset Train, Dataset Test) Split(Dataset data, int samplesPerClass, int trainPerClass)
    {
        var train = new List<int>();
        var test = new List<int>();
        for (int row = 0; row < data.Count; row++) (row % samplesPerClass < trainPerClass ? train : test).Add(row);
        return (data.Select(train), data.Select(test));
    }
}

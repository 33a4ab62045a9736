using MLNetMarginLoss.Data;
using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Tests.Data;

[TestClass]
public sealed class ImageAugmentationTests
{
    /// <summary>A real Fashion-MNIST image, [1, 28, 28] in [0, 1].</summary>
    private static float[] Sample(int row = 0) => MLNetMarginLoss.FashionMnist.Load(new Microsoft.ML.MLContext(1), limit: row + 1).Row(row).ToArray();

    /// <summary>A [3, 5, 6] tensor of distinct values.</summary>
    private static float[] Distinct() => [.. Enumerable.Range(0, 90).Select(i => i / 90f)];

    [TestMethod]
    public void DisabledOptionsChangeNothing()
    {
        var augmentation = new ImageAugmentation();
        Assert.IsTrue(augmentation.IsIdentity);
        var sample = Distinct();
        augmentation.Apply(sample, 3, 5, 6, new SeededRandom(1));
        CollectionAssert.AreEqual(Distinct(), sample);
    }

    [TestMethod]
    public void FlipMirrorsEveryRowAndTwiceIsTheIdentity()
    {
        var flip = new ImageAugmentation { HorizontalFlipProbability = 1 };
        var sample = Distinct();
        flip.Apply(sample, 3, 5, 6, new SeededRandom(1));
        var original = Distinct();
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 5; y++)
                for (int x = 0; x < 6; x++)
                    Assert.AreEqual(original[(c * 5 + y) * 6 + 5 - x], sample[(c * 5 + y) * 6 + x]);
        flip.Apply(sample, 3, 5, 6, new Random(2));
        CollectionAssert.AreEqual(original, sample);
    }

    [TestMethod]
    public void FlipHappensWithTheGivenProbability()
    {
        var half = new ImageAugmentation { HorizontalFlipProbability = 0.5 };
        var random = new SeededRandom(3);
        int flipped = 0;
        for (int i = 0; i < 1000; i++)
        {
            var sample = Distinct();
            half.Apply(sample, 3, 5, 6, random);
            if (sample[0] != Distinct()[0]) flipped++;
        }
        Assert.IsTrue(flipped is > 430 and < 570, $"{flipped} of 1000 flipped");
    }

    [TestMethod]
    public void CropWithPaddingKeepsTheShapeAndShiftsWithinThePadding()
    {
        const int padding = 4;
        var crop = new ImageAugmentation { CropPadding = padding };
        var random = new SeededRandom(5);
        var original = Sample();
        var shifts = new HashSet<(int, int)>();
        for (int trial = 0; trial < 40; trial++)
        {
            var sample = (float[])original.Clone();
            crop.Apply(sample, 1, 28, 28, random);
            Assert.AreEqual(784, sample.Length);
            // The result must be the source moved by some (dy, dx) within the padding, zeros coming in at the edges.
            var match = (from dy in Enumerable.Range(-padding, 2 * padding + 1)
                         from dx in Enumerable.Range(-padding, 2 * padding + 1)
                         where IsShift(original, sample, 1, 28, 28, dy, dx)
                         select (dy, dx)).ToList();
            Assert.AreNotEqual(0, match.Count, $"trial {trial}: not a shifted copy");
            shifts.Add(match[0]);
        }
        Assert.IsGreaterThan(10, shifts.Count, $"offsets vary: {shifts.Count} distinct in 40 trials");
    }

    private static bool IsShift(float[] source, float[] result, int channels, int height, int width, int dy, int dx)
    {
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                {
                    int sy = y + dy, sx = x + dx;
                    float expected = sy >= 0 && sy < height && sx >= 0 && sx < width ? source[(c * height + sy) * width + sx] : 0f;
                    if (result[(c * height + y) * width + x] != expected) return false;
                }
        return true;
    }

    [TestMethod]
    public void CropMovesAllChannelsTogether()
    {
        var crop = new ImageAugmentation { CropPadding = 2 };
        var random = new Random(4);
        int moved = 0;
        for (int trial = 0; trial < 20; trial++)
        {
            var sample = Distinct();
            crop.Apply(sample, 3, 5, 6, random);
            var shift = (from dy in Enumerable.Range(-2, 5) from dx in Enumerable.Range(-2, 5)
                         where IsShift(Distinct(), sample, 3, 5, 6, dy, dx) select (dy, dx)).ToList();
            Assert.HasCount(1, shift, $"trial {trial}: one common shift of all three channels");
            if (shift[0] != (0, 0)) moved++;
        }
        Assert.IsGreaterThan(10, moved);
    }

    [TestMethod]
    public void EqualisationMapsToTheUnitRangeAndFlattensTheHistogram()
    {
        // A low-contrast, skewed image: values 0.4 + 0.2·u² (u uniform), about 50 grey levels crowded at the dark end.
        var random = new SeededRandom(11);
        var sample = Enumerable.Range(0, 64 * 64).Select(_ => { float u = random.NextFloat(); return 0.4f + 0.2f * u * u; }).ToArray();
        double before = DistanceFromUniform(sample);
        // Equalisation cannot split a grey level, so the CDF must still jump by the fullest level's share.
        double fullestLevel = sample.GroupBy(v => (int)MathF.Round(v * 255)).Max(g => g.Count()) / (double)sample.Length;
        new ImageAugmentation { EqualizeHistogram = true }.Apply(sample, 1, 64, 64, new SeededRandom(1));
        Assert.IsTrue(sample.All(v => v is >= 0f and <= 1f), "values stay in [0, 1]");
        Assert.AreEqual(0f, sample.Min(), "the darkest level maps to 0");
        Assert.IsGreaterThan(0.95f, sample.Max(), "the range is stretched to nearly 1");
        double after = DistanceFromUniform(sample);
        Console.WriteLine($"largest gap between the value CDF and the uniform one: {before:F3} before, {after:F3} after (fullest level {fullestLevel:F3})");
        Assert.IsLessThanOrEqualTo(fullestLevel + 0.01, after, "the histogram is as flat as its levels allow");
        Assert.IsGreaterThan(0.35, before, "and was not before");

        // A real image (with its large black background) also stays in [0, 1] and spans it.
        var real = Sample(1);
        new ImageAugmentation { EqualizeHistogram = true }.Apply(real, 1, 28, 28, new SeededRandom(1));
        Assert.IsTrue(real.All(v => v is >= 0f and <= 1f));
        Assert.AreEqual(0f, real.Min());
        Assert.AreEqual(1f, real.Max());
    }

    /// <summary>The Kolmogorov distance between the sample's value distribution and uniform on [0, 1].</summary>
    private static double DistanceFromUniform(float[] values)
    {
        var sorted = values.Order().ToArray();
        double worst = 0;
        for (int i = 0; i < sorted.Length; i++)
            worst = Math.Max(worst, Math.Max(Math.Abs((i + 1.0) / sorted.Length - sorted[i]), Math.Abs((double)i / sorted.Length - sorted[i])));
        return worst;
    }

    [TestMethod]
    public void RotationIsReproducibleAndSmall()
    {
        var rotate = new ImageAugmentation { MaxRotationDegrees = 10 };
        var original = Sample();
        var a = (float[])original.Clone();
        var b = (float[])original.Clone();
        var c = (float[])original.Clone();
        rotate.Apply(a, 1, 28, 28, new SeededRandom(9));
        rotate.Apply(b, 1, 28, 28, new SeededRandom(9));
        rotate.Apply(c, 1, 28, 28, new SeededRandom(10));
        CollectionAssert.AreEqual(a, b, "same seed, same result");
        CollectionAssert.AreNotEqual(a, c, "another seed, another angle");
        CollectionAssert.AreNotEqual(original, a);
        // A rotation of at most 10° keeps most of the picture where it was.
        double diff = a.Zip(original).Average(p => Math.Abs(p.First - p.Second));
        double mean = original.Average();
        Assert.IsLessThan(mean / 2, diff, $"mean change {diff:F3} against mean brightness {mean:F3}");
    }

    [TestMethod]
    public void WrongSizesAndOptionsAreRejected()
    {
        var flip = new ImageAugmentation { HorizontalFlipProbability = 1 };
        Assert.ThrowsExactly<ArgumentException>(() => flip.Apply(new float[10], 1, 3, 3, new SeededRandom(1)));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageAugmentation { HorizontalFlipProbability = 1.5 });
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageAugmentation { CropPadding = -1 });
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageAugmentation { MaxRotationDegrees = double.NaN });
    }
}

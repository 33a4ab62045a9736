using System.Buffers.Binary;
using System.Xml.Linq;
using MLNetMarginLoss.Engine;
using ScottPlot;

namespace MLNetMarginLoss.Tests.Plotting;

/// <summary>Inputs and read-back helpers shared by the plotting tests.</summary>
internal static class PlotTestData
{
    public static readonly string[] FourNames = ["T-shirt/top", "Trouser", "Pullover", "Ankle boot"];

    /// <summary>Gaussian clusters: class c sits near 3·e_(c mod dim), spread 0.3; rows cycle through the classes.</summary>
    public static (float[] Points, int[] Labels) Clusters(int perClass, int classes, int dim, long seed)
    {
        var rng = new SeededRandom(seed);
        var x = new float[perClass * classes * dim];
        var y = new int[perClass * classes];
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = i % classes;
            for (int j = 0; j < dim; j++) x[i * dim + j] = (j == y[i] % dim ? 3f : 0f) + 0.3f * (float)rng.NextGaussian();
        }
        return (x, y);
    }

    /// <summary>Width and height from a PNG's IHDR chunk, after checking the 8-byte signature and the chunk type.</summary>
    public static (int Width, int Height) PngSize(byte[] png)
    {
        byte[] signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
        Assert.IsGreaterThanOrEqualTo(24, png.Length, "too short for a PNG");
        CollectionAssert.AreEqual(signature, png[..8], "PNG signature");
        Assert.AreEqual("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4), "first chunk");
        return (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
    }

    /// <summary>Parses an SVG document (throws on malformed XML) and returns its root's width and height.</summary>
    public static (XElement Root, double Width, double Height) ParseSvg(byte[] svg)
    {
        var doc = XDocument.Parse(System.Text.Encoding.UTF8.GetString(svg));
        var root = doc.Root!;
        Assert.AreEqual(XName.Get("svg", "http://www.w3.org/2000/svg"), root.Name);
        return (root, double.Parse((string)root.Attribute("width")!, System.Globalization.CultureInfo.InvariantCulture),
            double.Parse((string)root.Attribute("height")!, System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The points a scatter or marker series holds.</summary>
    public static Coordinates[] Points(IPlottable plottable) => plottable switch
    {
        ScottPlot.Plottables.Scatter s => s.Data.GetScatterPoints().ToArray(),
        ScottPlot.Plottables.Markers m => m.Data.GetScatterPoints().ToArray(),
        _ => throw new AssertFailedException($"{plottable.GetType().Name} is not a point series."),
    };

    public static double[] Xs(IPlottable plottable) => Points(plottable).Select(p => p.X).ToArray();

    public static double[] Ys(IPlottable plottable) => Points(plottable).Select(p => p.Y).ToArray();

    /// <summary>Every legend text of a plot: its plottables' legend entries and manual ones.</summary>
    public static string[] LegendTexts(Plot plot) => plot.Legend.GetItems().Select(i => i.LabelText).Where(t => !string.IsNullOrEmpty(t)).ToArray();

    /// <summary>Renders the plot once (so tick generators run) and returns the major tick labels of an axis.</summary>
    public static string[] MajorTickLabels(Plot plot, IAxis axis, int width = 800, int height = 600)
    {
        plot.GetImageBytes(width, height, ImageFormat.Png);
        return axis.TickGenerator.Ticks.Where(t => t.IsMajor).Select(t => t.Label).ToArray();
    }

    /// <summary>Asserts two sequences of doubles are equal to within a relative 1e-9.</summary>
    public static void AreClose(IReadOnlyList<double> expected, IReadOnlyList<double> actual, string message)
    {
        Assert.HasCount(expected.Count, actual, message);
        for (int i = 0; i < expected.Count; i++)
            Assert.AreEqual(expected[i], actual[i], 1e-9 * Math.Max(1, Math.Abs(expected[i])), $"{message}: item {i}");
    }
}

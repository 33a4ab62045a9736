using System.Globalization;
using MLNetMarginLoss.Evaluation;

namespace Examples;

/// <summary>
/// A verification ROC kept on disk, so that the ROC figure can be drawn after all runs, also from runs that an
/// interrupted job finished earlier: the curve's operating points with the pair counts, from which the multiset of
/// pair scores (and so the identical curve) is rebuilt.
/// </summary>
internal static class RocScores
{
    /// <summary>Writes "positives negatives" and then one "threshold FAR TAR" line per operating point.</summary>
    public static void Save(string path, RocCurve roc)
    {
        var lines = new List<string> { $"{roc.PositiveCount}\t{roc.NegativeCount}" };
        lines.AddRange(roc.Points.Skip(1).Select(p => string.Join('\t', new[] { p.Threshold, p.FalsePositiveRate, p.TruePositiveRate }.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))));
        File.WriteAllLines(path, lines);
    }

    /// <summary>The curve written to <paramref name="path"/>: each step between points becomes its pairs at the step's threshold.</summary>
    public static RocCurve Load(string path)
    {
        var lines = File.ReadAllLines(path);
        var counts = lines[0].Split('\t').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var scores = new List<float>();
        var same = new List<bool>();
        double far = 0, tar = 0;
        foreach (var line in lines.Skip(1))
        {
            var v = line.Split('\t').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            int positives = (int)Math.Round((v[2] - tar) * counts[0]), negatives = (int)Math.Round((v[1] - far) * counts[1]);
            for (int i = 0; i < positives + negatives; i++) { scores.Add((float)v[0]); same.Add(i < positives); }
            (far, tar) = (v[1], v[2]);
        }
        return RocCurve.Create([.. scores], [.. same]);
    }
}

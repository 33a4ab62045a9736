using System.Globalization;

namespace Examples;

/// <summary>The results of one trained model (one encoder, seed and head) on the glyph protocol.</summary>
internal sealed record Run(string Encoder, int Seed, string Head, double ClosedSet, double Auc, double Tar1e3, double TenFold, double OneShot,
    double FiveShot, double UnknownRejected, double OpenSetDir, double OpenSetAuc, double TrainAccuracy, double TrainSeconds, double EvalSeconds)
{
    /// <summary>The column names of <see cref="ToTsv"/>.</summary>
    public const string Header = "encoder\tseed\thead\tclosed_set\tauc\ttar_1e-3\tten_fold\tone_shot\tfive_shot\tunknown_rejected\topen_set_dir\topen_set_auc\ttrain_accuracy\ttrain_s\teval_s";

    /// <summary>One tab-separated line, numbers in the invariant culture.</summary>
    public string ToTsv() => string.Join('\t', new object[] { Encoder, Seed, Head, ClosedSet, Auc, Tar1e3, TenFold, OneShot, FiveShot, UnknownRejected, OpenSetDir, OpenSetAuc, TrainAccuracy, TrainSeconds, EvalSeconds }
        .Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)));

    /// <summary>Reads a line written by <see cref="ToTsv"/>.</summary>
    public static Run FromTsv(string line)
    {
        var f = line.Split('\t');
        double D(int i) => double.Parse(f[i], CultureInfo.InvariantCulture);
        return new Run(f[0], int.Parse(f[1], CultureInfo.InvariantCulture), f[2], D(3), D(4), D(5), D(6), D(7), D(8), D(9), D(10), D(11), D(12), D(13), D(14));
    }
}

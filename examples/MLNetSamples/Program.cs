// Three of ML.NET's official multiclass samples (dotnet/machinelearning-samples) as clients of this library: their
// pipelines as written, with the sample's trainer replaced by mlContext.MulticlassClassification.Trainers.ArcFace.
//
//   dotnet run -c Release --project examples/MLNetSamples -- iris|optdigits|issues [--trainer arcface|sdca]
//       [--epochs N] [--seed 1] [--out artifacts/MLNetSamples]
//
//   iris       MulticlassClassification_Iris: Concatenate the four measurements → trainer (Iris, 150 rows).
//   optdigits  MulticlassClassification_MNIST: 64 pixel columns (8×8, 0–16) → trainer (UCI optdigits, 1,797 rows).
//   issues     GitHubLabeler: FeaturizeText(Title) + FeaturizeText(Description) → Concatenate → trainer, on 1,979
//              Debian application descriptions in 11 categories (the sample's GitHub issues are not shipped here).
//
// Each mode splits its data 80/20 (TrainTestSplit, seed 1), trains with --trainer (ArcFace, or the sample's own
// SdcaMaximumEntropy for comparison), prints ML.NET's metrics on the test rows, the training time and the process's
// peak working set, saves the model (<out>/<mode>-<trainer>.zip), reloads it with mlContext.Model.Load and predicts
// with a PredictionEngine from the reloaded model. The last stdout line is one JSON object with the figures.
using Examples;
using MLNetSamples;

if (args.Length == 0 || args[0].StartsWith('-') && args[0] is not ("--help" or "-h"))
{
    Console.Error.WriteLine("usage: MLNetSamples iris|optdigits|issues [--trainer arcface|sdca] [--epochs N] [--seed 1] [--out folder]; --help lists the options.");
    return 2;
}
string mode = args[0] is "--help" or "-h" ? "help" : args[0];
var arguments = ExampleArgs.Parse(args.Skip(mode == "help" ? 0 : 1).ToArray(),
    "MLNetSamples iris|optdigits|issues: ML.NET's multiclass samples with the ArcFace trainer in place of theirs.",
    new("trainer", "arcface", "arcface, or sdca (the samples' SdcaMaximumEntropy) for comparison"),
    new("epochs", "0", "ArcFace epochs (0: the mode's default: iris 100, optdigits 30, issues 10 = the catalog's default)"),
    new("seed", "1", "seed of the split and of the trainers"),
    new("out", "artifacts/MLNetSamples", "output folder for the saved models"));
var run = new SampleRun(arguments.String("trainer"), arguments.Int("epochs"), arguments.Int("seed"), arguments.OutputFolder());
switch (mode)
{
    case "iris": IrisSample.Run(run); break;
    case "optdigits": OptDigitsSample.Run(run); break;
    case "issues": GitHubIssuesSample.Run(run); break;
    default:
        Console.Error.WriteLine($"unknown mode '{mode}': expected iris, optdigits or issues.");
        return 2;
}
return 0;

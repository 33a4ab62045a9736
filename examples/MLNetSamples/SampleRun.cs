using System.Diagnostics;
using System.Globalization;
using Examples;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetSamples;

/// <summary>
/// What the three samples share: the trainer chosen on the command line, the data folder beside the program, the
/// timing of Fit and the process's peak working set, ML.NET's metrics, and the saved model's path.
/// </summary>
/// <param name="TrainerName">"arcface" or "sdca".</param>
/// <param name="Epochs">ArcFace epochs; 0 = the sample's default.</param>
/// <param name="Seed">Seed of the split and the trainers.</param>
/// <param name="OutputFolder">Where the models go.</param>
internal sealed record SampleRun(string TrainerName, int Epochs, int Seed, string OutputFolder)
{
    /// <summary>A data file shipped with the samples (copied beside the program).</summary>
    public static string DataFile(string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Data", name);
        if (!File.Exists(path)) throw new FileNotFoundException($"{name} is missing beside the program ({path}); it ships in examples/MLNetSamples/Data.", path);
        return path;
    }

    /// <summary>
    /// The trainer the sample runs: ArcFace from the catalog with its defaults (<paramref name="defaultEpochs"/> unless
    /// --epochs), or the sample's own SdcaMaximumEntropy.
    /// </summary>
    public IEstimator<ITransformer> Trainer(MLContext ml, string labelColumn, string featureColumn, int defaultEpochs) => TrainerName switch
    {
        "arcface" => ml.MulticlassClassification.Trainers.ArcFace(new MLNetMarginLoss.ArcFaceTrainer.Options
        {
            LabelColumnName = labelColumn, FeatureColumnName = featureColumn, MaxEpoch = Epochs > 0 ? Epochs : defaultEpochs, Seed = Seed,
        }),
        "sdca" => ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(labelColumnName: labelColumn, featureColumnName: featureColumn),
        _ => throw new ArgumentException($"--trainer {TrainerName}: expected arcface or sdca."),
    };

    /// <summary>The saved model's path for a mode.</summary>
    public string ModelPath(string mode) => Path.Combine(OutputFolder, $"{mode}-{TrainerName}.zip");

    /// <summary>
    /// Fits <paramref name="pipeline"/> on <paramref name="train"/>, timing it: wall-clock seconds and the process's CPU
    /// seconds (all threads; less sensitive than the wall clock to other work on a shared machine).
    /// </summary>
    public static (ITransformer Model, Timing Time) Fit(IEstimator<ITransformer> pipeline, IDataView train)
    {
        var process = Process.GetCurrentProcess();
        var cpu = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var model = pipeline.Fit(train);
        process.Refresh();
        return (model, new Timing(clock.Elapsed.TotalSeconds, (process.TotalProcessorTime - cpu).TotalSeconds));
    }

    /// <summary>How long a fit took: wall-clock and CPU seconds.</summary>
    public readonly record struct Timing(double Seconds, double CpuSeconds);

    /// <summary>Prints ML.NET's metrics, the training time and the peak working set, and returns the JSON summary line.</summary>
    public string Report(string mode, MulticlassClassificationMetrics metrics, Timing time, int trainRows, int testRows, int features)
    {
        double peakMb = Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0;
        var table = new ResultsTable("metric", "value");
        table.Add("MicroAccuracy", ResultsTable.F(metrics.MicroAccuracy));
        table.Add("MacroAccuracy", ResultsTable.F(metrics.MacroAccuracy));
        table.Add("LogLoss", ResultsTable.F(metrics.LogLoss));
        table.Add("LogLossReduction", ResultsTable.F(metrics.LogLossReduction));
        table.Add("training time (s)", ResultsTable.F(time.Seconds, 1));
        table.Add("training CPU time (s)", ResultsTable.F(time.CpuSeconds, 1));
        table.Add("peak working set (MB)", ResultsTable.F(peakMb, 0));
        Console.WriteLine($"{mode}, {TrainerName}: {trainRows} training rows, {testRows} test rows, {features:N0} features");
        table.Print();
        return string.Create(CultureInfo.InvariantCulture,
            $"{{\"mode\":\"{mode}\",\"trainer\":\"{TrainerName}\",\"trainRows\":{trainRows},\"testRows\":{testRows},\"features\":{features},\"microAccuracy\":{metrics.MicroAccuracy:F4},\"macroAccuracy\":{metrics.MacroAccuracy:F4},\"logLoss\":{metrics.LogLoss:F4},\"trainSeconds\":{time.Seconds:F1},\"trainCpuSeconds\":{time.CpuSeconds:F1},\"peakWorkingSetMB\":{peakMb:F0}}}");
    }
}

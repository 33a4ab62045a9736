using System.CommandLine;
using System.Diagnostics;
using Microsoft.ML;
using MLNetMarginLoss.Encoders;
using MLNetMarginLoss.Training;

namespace MLNetMarginLoss.Cli.Commands;

/// <summary>
/// <c>bench</c>: training throughput on Fashion-MNIST with the peer's job (ArcFace s=30 m=0.5, Adam 1e-3):
/// one timed epoch of N rows after a short untimed warm-up.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var encoder = new Option<string>("--encoder") { Description = "mlp (784-512-256-128) | cnn (the seed tutorial's network)", DefaultValueFactory = _ => "mlp" };
        var samples = new Option<int>("--samples") { Description = "Training rows in the timed epoch.", DefaultValueFactory = _ => 60000 };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => 256 };
        var embedding = new Option<int>("--embedding-size") { DefaultValueFactory = _ => 128 };
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json");
        var classes = new Option<int>("--classes") { Description = "Many-class job instead of Fashion-MNIST: synthetic rows over this many classes (e.g. 1000000), MLP 64-512-E, ArcFace s=64 m=0.5, SGD 0.1 with momentum.", DefaultValueFactory = _ => 0 };
        var sampleRate = new Option<double>("--sample-rate") { Description = "Many-class job: Partial FC sample rate r in (0, 1].", DefaultValueFactory = _ => 1.0 };
        var optimizer = new Option<string>("--optimizer") { Description = "Many-class job: sgd | adam | adamw | adadelta.", DefaultValueFactory = _ => "sgd" };
        var save = new Option<bool>("--save") { Description = "Many-class job: also time saving the model as an ML.NET .zip." };
        var updates = new Option<string>("--sampled-centre-updates") { Description = "Many-class job with --sample-rate < 1: lazy (unsampled centres and their optimizer state wait) | dense (they take the optimizer's step with a zero gradient, as insightface's).", DefaultValueFactory = _ => "lazy" };
        var epochs = new Option<int>("--epochs") { Description = "Many-class job: epochs to train (the last one is reported).", DefaultValueFactory = _ => 1 };
        var trainPerClass = new Option<int>("--train-per-class") { Description = "Many-class job: k training samples and one held-out sample per class instead of --samples random rows; reports held-out accuracy.", DefaultValueFactory = _ => 0 };
        var backend = BackendOptions.Create();
        var command = new Command("bench", "Measure training throughput (samples/s) on Fashion-MNIST, or on many synthetic classes (--classes).") { encoder, samples, batch, embedding, threads, json, classes, sampleRate, optimizer, save, updates, epochs, trainPerClass };
        backend.AddTo(command);
        command.SetAction(result => CliErrors.Run(() =>
        {
            int n = result.GetValue(samples);
            if (n < 2) throw new ArgumentException($"--samples must be at least 2, got {n}.");
            var trainingBackend = backend.Create(result);
            if (result.GetValue(classes) is > 0 and var c)
            {
                var many = ManyClassBench.Run(c, n, result.GetValue(sampleRate), result.GetValue(embedding), result.GetValue(batch), result.GetValue(threads),
                    trainingBackend, backend.GemmProvider(result), Names.Optimizer(result.GetValue(optimizer)!), Names.SampledCentreUpdates(result.GetValue(updates)!),
                    result.GetValue(save), result.GetValue(epochs), result.GetValue(trainPerClass));
                if (result.GetValue(json)) JsonLine.Write(many);
                return 0;
            }
            var ml = new MLContext(seed: 0);
            var data = FashionMnist.Load(ml, limit: n);
            var spec = new EncoderSpec
            {
                Kind = Names.Encoder(result.GetValue(encoder)!),
                EmbeddingSize = result.GetValue(embedding),
                HiddenSizes = [512, 256],
            };
            ArcFaceTrainer.Options Options(int epochs) => new()
            {
                Head = HeadKind.ArcFace,
                HeadOptions = new HeadOptions { Scale = 30, Margin = 0.5 },
                Encoder = spec,
                Backend = trainingBackend,
                GemmProvider = backend.GemmProvider(result),
                Optimizer = OptimizerKind.Adam,
                LearningRate = 1e-3f,
                MaxEpoch = epochs,
                BatchSize = result.GetValue(batch),
                Threads = result.GetValue(threads),
            };
            // Untimed warm-up: JIT and buffer growth on a few batches.
            new ArcFaceTrainer(Options(1)).Fit(ml.Data.TakeRows(data, Math.Min(n, 4 * result.GetValue(batch))));

            var timed = Options(1);
            var model = ConsoleProgress.Run("bench", progress => { timed.Progress = progress; return new ArcFaceTrainer(timed).Fit(data); });
            var epoch = model.History.Epochs[0];
            double flopsPerSample = TrainingCost.FlopsPerSample(model.Network.Encoder, model.Network.Head);
            var process = Process.GetCurrentProcess();
            process.Refresh();
            var values = new Dictionary<string, object?>
            {
                ["encoder"] = spec.Kind.ToString().ToLowerInvariant(),
                ["samples"] = data.RowCount,
                ["backend"] = model.Backend,
                ["batchSize"] = timed.BatchSize,
                ["gemm"] = model.Info.TrainingOptions.GetValueOrDefault("gemm", "-").ToLowerInvariant(),
                ["threads"] = int.TryParse(model.Info.TrainingOptions.GetValueOrDefault("threads"), out int t) ? t : null,
                ["epochSeconds"] = epoch.Seconds,
                ["samplesPerSecond"] = epoch.SamplesPerSecond,
                ["gflops"] = flopsPerSample * epoch.SamplesPerSecond / 1e9,
                ["peakWorkingSetMB"] = process.PeakWorkingSet64 / (1024.0 * 1024.0),
                ["trainAccuracy"] = epoch.TrainAccuracy,
            };
            Console.WriteLine($"{spec.Kind} encoder, {data.RowCount} samples on {model.Backend}, batch {timed.BatchSize}: {epoch.Seconds:F2} s, {epoch.SamplesPerSecond:F0} samples/s, {values["gflops"]:F1} GFLOP/s");
            if (result.GetValue(json)) JsonLine.Write(values);
            return 0;
        }));
        return command;
    }
}

using System.CommandLine;
using System.Diagnostics;
using Microsoft.ML;
using MLNetMarginLoss.Encoders;
using MLNetMarginLoss.Training;

namespace MLNetMarginLoss.Cli.Commands;

/// <summary>
/// <c>bench</c>: training throughput on Fashion-MNIST with the peer's job (ArcFace s=30 m=0.5, Adam 1e-3):
/// one timed epoch of N rows after a short untimed warm-up. With <c>--distributed mpi</c> (under mpiexec) the epoch is
/// trained by every process of the job (--batch-size per process), and rank 0 adds the time it spent in collective
/// operations (waiting for the others included), its share of the epoch, the bytes and operations per step, and
/// <see cref="CommunicationProbe"/>'s time of one step's collectives without waiting.
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
        var distributed = DistributedOptions.Create();
        var command = new Command("bench", "Measure training throughput (samples/s) on Fashion-MNIST, or on many synthetic classes (--classes).") { encoder, samples, batch, embedding, threads, json, classes, sampleRate, optimizer, save, updates, epochs, trainPerClass };
        backend.AddTo(command);
        distributed.AddTo(command);
        command.SetAction(result => CliErrors.Run(() => DistributedOptions.Run(() => distributed.Create(result), world =>
        {
            bool root = world is null || world.Rank == 0;
            int n = result.GetValue(samples);
            if (n < 2) throw new ArgumentException($"--samples must be at least 2, got {n}.");
            var trainingBackend = backend.Create(result);
            if (result.GetValue(classes) is > 0 and var c)
            {
                var many = ManyClassBench.Run(c, n, result.GetValue(sampleRate), result.GetValue(embedding), result.GetValue(batch), result.GetValue(threads),
                    trainingBackend, backend.GemmProvider(result), Names.Optimizer(result.GetValue(optimizer)!), Names.SampledCentreUpdates(result.GetValue(updates)!),
                    result.GetValue(save), result.GetValue(epochs), result.GetValue(trainPerClass), world);
                if (root && result.GetValue(json)) JsonLine.Write(many);
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
                Communicator = world,
            };
            // Untimed warm-up: JIT and buffer growth on a few batches.
            new ArcFaceTrainer(Options(1)).Fit(ml.Data.TakeRows(data, Math.Min(n, 4 * result.GetValue(batch) * (world?.Size ?? 1))));

            var timed = Options(1);
            world?.ResetStatistics();
            var model = !root ? new ArcFaceTrainer(timed).Fit(data) : ConsoleProgress.Run("bench", progress =>
            {
                // Rank 0 counts communication from the end of the first step: the start (the job check, the weights'
                // broadcast) is not a step's.
                timed.Progress = new StepProgress(progress, p => { if (p.Batch == 1 && !p.EpochCompleted) world?.ResetStatistics(); });
                return new ArcFaceTrainer(timed).Fit(data);
            });
            // Communication alone, with the step's message sizes (collective: every process takes part).
            var trainingCommunication = world?.CommunicationTime ?? TimeSpan.Zero;
            long trainingBytes = world?.CommunicatedBytes ?? 0, trainingCollectives = world?.Collectives ?? 0;
            int gradientFloats = model.Network.Encoder.Network.AllParameters().Sum(p => p.Length) + model.Network.Head.Parameters.Sum(p => p.Length) + 5;
            var probe = world is { Size: > 1 } ? CommunicationProbe.Measure(world, gradientFloats, timed.BatchSize, spec.EmbeddingSize) : default;
            if (!root) return 0;
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
            if (world is { Size: > 1 })
            {
                int steps = (n + timed.BatchSize * world.Size - 1) / (timed.BatchSize * world.Size) - 1;
                values["processes"] = world.Size;
                values["communicationSeconds"] = trainingCommunication.TotalSeconds;
                values["communicationShare"] = trainingCommunication.TotalSeconds / (epoch.Seconds * steps / (steps + 1));
                values["bytesPerStep"] = trainingBytes / (double)steps;
                values["collectivesPerStep"] = trainingCollectives / (double)steps;
                values["probeStepSeconds"] = probe.Seconds;
                values["probeBytesPerStep"] = probe.Bytes;
                values["probeShare"] = probe.Seconds * (steps + 1) / epoch.Seconds;
            }
            string processes = world is { Size: > 1 } ? $" × {world.Size} processes ({values["communicationShare"]:P0} of the time in communication, {probe.Seconds * 1e3:F2} ms a step without waiting)" : "";
            Console.WriteLine($"{spec.Kind} encoder, {data.RowCount} samples on {model.Backend}, batch {timed.BatchSize}{processes}: {epoch.Seconds:F2} s, {epoch.SamplesPerSecond:F0} samples/s, {values["gflops"]:F1} GFLOP/s");
            if (result.GetValue(json)) JsonLine.Write(values);
            return 0;
        })));
        return command;
    }

    /// <summary>Forwards reports to <paramref name="inner"/> after <paramref name="observe"/> has seen them (on the trainer's thread).</summary>
    private sealed class StepProgress(IProgress<TrainingProgress> inner, Action<TrainingProgress> observe) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            observe(value);
            inner.Report(value);
        }
    }
}

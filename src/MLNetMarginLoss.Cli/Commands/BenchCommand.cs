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
        var backend = BackendOptions.Create();
        var distributed = DistributedOptions.Create();
        var command = new Command("bench", "Measure training throughput (samples/s) on Fashion-MNIST.") { encoder, samples, batch, embedding, threads, json };
        backend.AddTo(command);
        distributed.AddTo(command);
        command.SetAction(result => CliErrors.Run(() => DistributedOptions.Run(() => distributed.Create(result), world =>
        {
            bool root = world is null || world.Rank == 0;
            int n = result.GetValue(samples);
            if (n < 2) throw new ArgumentException($"--samples must be at least 2, got {n}.");
            var trainingBackend = backend.Create(result);
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

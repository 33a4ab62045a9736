using System.Diagnostics;
using Microsoft.ML;
using MLNetMarginLoss.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetMarginLoss.TorchBackend.Tests;

/// <summary>
/// Samples per second of one training epoch on each backend, same job, same process (see <see cref="Program"/>):
/// the MLP 784-512-256-128 and the seed CNN on Fashion-MNIST, ArcFace s = 30, m = 0.5, Adam 1e-3, batch 256.
/// The throughput is the trainer's own (the epoch's training pass, as recorded in the history).
/// </summary>
internal static class Bench
{
    /// <summary>Memory over a longer run (process working set after each epoch): it must stay flat.</summary>
    public static int Memory(string device, int rows, int epochs, EncoderKind encoder)
    {
        var ml = new MLContext(seed: 0);
        var data = MLNetMarginLoss.FashionMnist.LoadDataset(limit: rows);
        var view = ml.Data.Cache(ml.Transforms.Conversion.MapValueToKey("Label").Fit(DataViews.ToDataView(ml, data)).Transform(DataViews.ToDataView(ml, data)));
        var options = new ArcFaceTrainer.Options
        {
            Encoder = new EncoderSpec { Kind = encoder }, MaxEpoch = epochs, Backend = new TorchSharpBackend(device), ValidationSet = view,
            Head = HeadKind.AdaFace, EarlyStoppingPatience = epochs,
            Progress = new Reporter(p => { if (p.EpochCompleted) Console.WriteLine($"epoch {p.Epoch}: loss {p.Loss:F3}, {Environment.WorkingSet / (1 << 20)} MiB, {TorchSharp.torch.Tensor.TotalCount} live tensors, managed {GC.GetTotalMemory(true) / (1 << 20)} MiB, after GC {Environment.WorkingSet / (1 << 20)} MiB"); }),
        };
        new ArcFaceTrainer(options).Fit(view);
        return 0;
    }

    private sealed class Reporter(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    /// <summary>The MLP epoch of the backend against the bare loop, alternating, TorchSharp only.</summary>
    public static int TorchOnly(string device, int rows)
    {
        var ml = new MLContext(seed: 0);
        var data = MLNetMarginLoss.FashionMnist.LoadDataset(limit: rows);
        var view = ml.Data.Cache(ml.Transforms.Conversion.MapValueToKey("Label").Fit(DataViews.ToDataView(ml, data)).Transform(DataViews.ToDataView(ml, data)));
        var torch = new TorchSharpBackend(device);
        for (int round = 0; round < 2; round++)
        {
            Console.WriteLine($"Mlp  bare TorchSharp loop {BareMlpEpoch(data, torch.ResolveDevice()),10:N0} samples/s");
            var model = new ArcFaceTrainer(new ArcFaceTrainer.Options { HeadOptions = new HeadOptions { Scale = 30, Margin = 0.5 }, MaxEpoch = 1, Backend = torch }).Fit(view);
            Console.WriteLine($"Mlp  {torch,-18} {model.History.Epochs[0].SamplesPerSecond,10:N0} samples/s");
        }
        return 0;
    }

    public static int Run(string device, int rows, int threads = 0, int mlpRounds = 2)
    {
        var ml = new MLContext(seed: 0);
        var data = MLNetMarginLoss.FashionMnist.LoadDataset(limit: rows);
        var view = ml.Transforms.Conversion.MapValueToKey("Label").Fit(DataViews.ToDataView(ml, data)).Transform(DataViews.ToDataView(ml, data));
        view = ml.Data.Cache(view);
        var torch = new TorchSharpBackend(device);
        Console.WriteLine(threads > 0
            ? $"{data.Count} Fashion-MNIST rows; TorchSharp on {torch.Device}; {threads} thread(s) on both backends"
            : $"{data.Count} Fashion-MNIST rows; TorchSharp on {torch.Device}, {TorchSharp.torch.get_num_threads()} threads; engine threads: one per core ({Environment.ProcessorCount})");
        foreach (var encoder in new[] { EncoderKind.Mlp, EncoderKind.Cnn })
        {
            var rounds = encoder == EncoderKind.Mlp ? mlpRounds : 1;
            for (int round = 0; round < rounds; round++)
            {
                foreach (var backend in new TrainingBackend?[] { null, torch })
                {
                    var options = new ArcFaceTrainer.Options
                    {
                        Encoder = new EncoderSpec { Kind = encoder },
                        HeadOptions = new HeadOptions { Scale = 30, Margin = 0.5 },
                        Optimizer = OptimizerKind.Adam,
                        LearningRate = 1e-3f,
                        BatchSize = 256,
                        MaxEpoch = 1,
                        Threads = threads,
                        Backend = backend,
                    };
                    var model = new ArcFaceTrainer(options).Fit(view);
                    var epoch = model.History.Epochs.Single();
                    Console.WriteLine($"{encoder,-4} {(backend?.ToString() ?? "engine"),-18} {epoch.SamplesPerSecond,10:N0} samples/s  ({epoch.Seconds:F1} s, loss {epoch.TrainLoss:F3}, accuracy {epoch.TrainAccuracy:P1})");
                }
            }
        }
        int previous = get_num_threads();
        if (threads > 0) set_num_threads(threads);
        Console.WriteLine($"Mlp  bare TorchSharp loop {BareMlpEpoch(data, torch.ResolveDevice()),10:N0} samples/s  (reference: the same network, ArcFace logits and Adam written as a plain loop)");
        set_num_threads(previous);
        return 0;
    }

    /// <summary>
    /// The least a TorchSharp epoch of the MLP can cost here: nn.Sequential, ArcFace logits in float32 without the
    /// fallback, cross-entropy and TorchSharp's Adam, batches sliced from a resident tensor, nothing measured.
    /// </summary>
    private static double BareMlpEpoch(Dataset data, Device device)
    {
        var net = nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 128));
        net.to(device);
        var centres = new TorchSharp.Modules.Parameter(randn(10, 128, device: device) * 0.1f);
        var optimizer = optim.Adam(net.parameters().Append(centres), 1e-3);
        var x = tensor(data.Features, [data.Count, 1, 28, 28], device: device);
        var y = tensor(data.Labels!.Select(l => (long)l).ToArray(), device: device);
        double cm = Math.Cos(0.5), sm = Math.Sin(0.5);
        var clock = Stopwatch.StartNew();
        for (int start = 0; start + 256 <= data.Count; start += 256)
        {
            using var scope = NewDisposeScope();
            var xb = x.narrow(0, start, 256);
            var yb = y.narrow(0, start, 256);
            var e = net.forward(xb);
            var cos = nn.functional.normalize(e).matmul(nn.functional.normalize(centres).t()).clamp(-1 + 1e-6, 1 - 1e-6);
            var index = yb.unsqueeze(1);
            var c = cos.gather(1, index);
            var target = c * cm - (1 - c * c).sqrt() * sm;
            var logits = cos.scatter(1, index, target) * 30f;
            var loss = nn.functional.cross_entropy(logits, yb);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        }
        _ = x.sum().item<float>();
        return data.Count / 256 * 256 / clock.Elapsed.TotalSeconds;
    }
}

using Microsoft.ML;
using MLNetMarginLoss.Data;

namespace MLNetMarginLoss.TorchBackend.Tests;

/// <summary>
/// Samples per second of one training epoch on each backend, same job, same process (see <see cref="Program"/>):
/// the MLP 784-512-256-128 and the seed CNN on Fashion-MNIST, ArcFace s = 30, m = 0.5, Adam 1e-3, batch 256.
/// The throughput is the trainer's own (the epoch's training pass, as recorded in the history).
/// </summary>
internal static class Bench
{
    public static int Run(string device, int rows)
    {
        var ml = new MLContext(seed: 0);
        var data = DataSources.LoadFashionMnist(limit: rows);
        var view = ml.Transforms.Conversion.MapValueToKey("Label").Fit(DataViews.ToDataView(ml, data)).Transform(DataViews.ToDataView(ml, data));
        view = ml.Data.Cache(view);
        var torch = new TorchSharpBackend(device);
        Console.WriteLine($"{data.Count} Fashion-MNIST rows; TorchSharp on {torch.Device}, {TorchSharp.torch.get_num_threads()} threads; engine threads: one per core ({Environment.ProcessorCount})");
        foreach (var encoder in new[] { EncoderKind.Mlp, EncoderKind.Cnn })
        {
            var rounds = encoder == EncoderKind.Mlp ? 2 : 1;
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
                        Backend = backend,
                    };
                    var model = new ArcFaceTrainer(options).Fit(view);
                    var epoch = model.History.Epochs.Single();
                    Console.WriteLine($"{encoder,-4} {(backend?.ToString() ?? "engine"),-18} {epoch.SamplesPerSecond,10:N0} samples/s  ({epoch.Seconds:F1} s, loss {epoch.TrainLoss:F3}, accuracy {epoch.TrainAccuracy:P1})");
                }
            }
        }
        return 0;
    }
}

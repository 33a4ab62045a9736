using System.CommandLine;
using System.Diagnostics;
using MLNetMarginLoss.Encoders;
using Microsoft.ML;
using MLNetMarginLoss.Heads;
using MLNetMarginLoss.MLNet;
using MLNetMarginLoss.Training;

namespace MLNetMarginLoss.Cli.Commands;

/// <summary><c>train</c>: fit an encoder + margin head, print metrics, save the model.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var data = new DataOptions();
        var head = new Option<string>("--head") { Description = "softmax | normsoftmax | sphereface | cosface | arcface | combined | adacos | subcenter | curricular | magface | adaface | elasticface", DefaultValueFactory = _ => "arcface" };
        var encoder = new Option<string>("--encoder") { Description = "mlp | cnn | resnet", DefaultValueFactory = _ => "mlp" };
        var embedding = new Option<int>("--embedding-size") { Description = "Embedding dimension.", DefaultValueFactory = _ => 128 };
        var scale = new Option<double?>("--scale") { Description = "Logit scale s (default: the head's; √2·ln(C−1) floored when unset)." };
        var margin = new Option<double?>("--margin") { Description = "Margin m (radians for ArcFace, cosine for CosFace, integer for SphereFace)." };
        var epochs = new Option<int>("--epochs") { DefaultValueFactory = _ => 10 };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => 256 };
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 0 };
        var lr = new Option<float>("--learning-rate") { DefaultValueFactory = _ => 1e-3f };
        var optimizer = new Option<OptimizerKind>("--optimizer") { DefaultValueFactory = _ => OptimizerKind.Adam };
        var threads = new Option<int>("--threads") { Description = "Kernel threads (0 = one per core).", DefaultValueFactory = _ => 0 };
        var schedule = new Option<string>("--schedule") { Description = "constant | step | multistep | cosine | plateau (plateau needs --validation).", DefaultValueFactory = _ => "constant" };
        var patience = new Option<int>("--patience") { Description = "Early stopping: epochs without a better validation loss before stopping; the best weights are kept (0 = off).", DefaultValueFactory = _ => 0 };
        var warmup = new Option<int>("--softmax-warmup") { Description = "Epochs without margin before the margin head starts.", DefaultValueFactory = _ => 0 };
        var checkpoint = new Option<string?>("--checkpoint-dir") { Description = "Write a checkpoint every epoch and resume from it." };
        var validation = new Option<string?>("--validation") { Description = "Validation data (same --format); metrics are reported on it." };
        var output = new Option<string>("--out") { Description = "Where to save the model (.zip).", DefaultValueFactory = _ => "model.zip" };
        var json = new Option<bool>("--json") { Description = "End with one JSON line of metrics." };

        var command = new Command("train", "Train an encoder with a margin head, print metrics and save the model.");
        data.AddTo(command);
        foreach (var o in new Option[] { head, encoder, embedding, scale, margin, epochs, batch, seed, lr, optimizer, threads, schedule, patience, warmup, checkpoint, validation, output, json })
            command.Add(o);

        command.SetAction(result => CliErrors.Run(() =>
        {
            var train = data.Load(result);
            var valid = result.GetValue(validation) is { } v ? data.Load(result, v) : null;
            var headKind = HeadFactory.Parse(result.GetValue(head)!);
            var options = new ArcFaceTrainer.Options
            {
                Head = headKind,
                HeadOptions = new HeadOptions { Scale = result.GetValue(scale), Margin = result.GetValue(margin) },
                Encoder = new EncoderSpec { Kind = ParseEncoder(result.GetValue(encoder)!), EmbeddingSize = result.GetValue(embedding) },
                MaxEpoch = result.GetValue(epochs),
                BatchSize = result.GetValue(batch),
                Seed = result.GetValue(seed),
                LearningRate = result.GetValue(lr),
                Optimizer = result.GetValue(optimizer),
                Threads = result.GetValue(threads),
                SoftmaxWarmupEpochs = result.GetValue(warmup),
                Schedule = ParseSchedule(result.GetValue(schedule)!),
                EarlyStoppingPatience = result.GetValue(patience),
                CheckpointDirectory = result.GetValue(checkpoint),
            };
            string outPath = result.GetValue(output)!;
            Console.Error.WriteLine($"training {headKind} on {train} with a {options.Encoder.Kind} encoder");
            var clock = Stopwatch.StartNew();
            var model = ConsoleProgress.Run("training", progress =>
            {
                options.Progress = progress;
                return new ArcFaceTrainer(options).Fit(train, valid);
            });
            double seconds = clock.Elapsed.TotalSeconds;
            var ml = new MLContext(0);
            Persistence.AtomicFile.Write(outPath, s => ml.Model.Save(model, null, s));

            // Metrics on the validation data when given (k-NN against the training embeddings), else on the training data.
            var evalData = valid ?? train;
            var report = ml.MulticlassClassification.EvaluateMarginModel(model, evalData.ToDataView(ml, model.FeatureColumnName),
                valid is null ? null : train.ToDataView(ml, model.FeatureColumnName), knnK: 5);
            var values = report.ToDictionary();
            values["evaluatedOn"] = valid is null ? "training" : "validation";
            values["epochs"] = model.History.Epochs.Count;
            values["trainSeconds"] = seconds;
            values["samplesPerSecond"] = model.History.Epochs.Average(e => e.SamplesPerSecond);
            values["model"] = Path.GetFullPath(outPath);
            Console.WriteLine($"{(valid is null ? "training" : "validation")} data: {evalData.Count} rows");
            Console.WriteLine(report.Report.ToText());
            Console.WriteLine(report.Classification.ToString());
            Console.WriteLine($"k-NN accuracy (k=5{(valid is null ? ", leave-one-out" : ", training embeddings as gallery")}): {report.KnnAccuracy:F4}");
            Console.WriteLine($"saved {Path.GetFullPath(outPath)}");
            if (result.GetValue(json)) JsonLine.Write(values);
            return 0;
        }));
        return command;
    }

    private static ScheduleKind ParseSchedule(string name) => name.Trim().ToLowerInvariant() switch
    {
        "constant" => ScheduleKind.Constant,
        "step" => ScheduleKind.Step,
        "multistep" or "multi-step" => ScheduleKind.MultiStep,
        "cosine" => ScheduleKind.Cosine,
        "plateau" or "reduce-on-plateau" => ScheduleKind.ReduceOnPlateau,
        _ => throw new ArgumentException($"--schedule: expected constant, step, multistep, cosine or plateau, found '{name}'."),
    };

    public static EncoderKind ParseEncoder(string name) => name.Trim().ToLowerInvariant() switch
    {
        "mlp" => EncoderKind.Mlp,
        "cnn" => EncoderKind.Cnn,
        "resnet" => EncoderKind.ResNet,
        _ => throw new ArgumentException($"--encoder: expected mlp, cnn or resnet, found '{name}'."),
    };
}

using System.CommandLine;
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Persistence;

namespace MLNetMarginLoss.Cli.Commands;

/// <summary>
/// <c>train</c>: an ML.NET pipeline (the data's preparation for images, MapValueToKey, the margin trainer), metrics on
/// the validation data (else the training data), the standard ML.NET model saved with mlContext.Model.Save, and its
/// training curves as a PNG beside it (<c>&lt;out&gt;-training.png</c>), both written by one run: <see cref="OutputLock"/>
/// refuses a second run writing the same <c>--out</c>, and creates a missing output folder.
/// Options and the output path are checked before any data is read; <c>--limit</c> applies to the training data only.
/// A run whose accuracy is no better than chance ends with a warning (<see cref="TrainingFailure"/>).
/// With <c>--distributed mpi</c> every process of the MPI job runs this command on the same data; rank 0 alone reports
/// progress, evaluates and writes the model (after every process has finished training).
/// </summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var data = new DataOptions();
        var limit = new Option<int?>("--limit") { Description = "Train on the first N rows only (validation data is not limited)." };
        var head = new Option<string>("--head") { Description = Names.HeadChoices(" | "), DefaultValueFactory = _ => "arcface" };
        var encoder = new Option<string>("--encoder") { Description = "mlp | cnn | resnet", DefaultValueFactory = _ => "mlp" };
        var backbone = new Option<string?>("--backbone") { Description = "resnet18: image features from a pretrained ImageNet ResNet-18 (512-d), then the MLP encoder. Needs an image folder." };
        var embedding = new Option<int>("--embedding-size") { Description = "Embedding dimension.", DefaultValueFactory = _ => 128 };
        var scale = new Option<double?>("--scale") { Description = "Logit scale s (default: the head's; the smallest s that lets a sample reach softmax confidence 0.999, at least 4: 8.19 for 10 classes)." };
        var margin = new Option<double?>("--margin") { Description = "Margin m (radians for arcface, cosine for cosface, integer for sphereface)." };
        var epochs = new Option<int>("--epochs") { Description = "Epochs of training.", DefaultValueFactory = _ => 10 };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => 256 };
        var seed = new Option<long>("--seed") { DefaultValueFactory = _ => 0 };
        var lr = new Option<float>("--learning-rate") { DefaultValueFactory = _ => 1e-3f };
        var optimizer = new Option<string>("--optimizer") { Description = "adam | adamw | sgd | adadelta", DefaultValueFactory = _ => "adam" };
        var threads = new Option<int>("--threads") { Description = "Kernel threads (0 = one per core).", DefaultValueFactory = _ => 0 };
        var schedule = new Option<string>("--schedule") { Description = "cosine (from --learning-rate to 0 over --epochs; the library's default) | constant | step | multistep | plateau (plateau needs --validation).", DefaultValueFactory = _ => "cosine" };
        var patience = new Option<int>("--patience") { Description = "Early stopping: epochs without a better validation loss before stopping; the best weights are kept (0 = off).", DefaultValueFactory = _ => 0 };
        var warmup = new Option<int>("--softmax-warmup") { Description = "Epochs without margin before the margin head starts.", DefaultValueFactory = _ => 0 };
        var checkpoint = new Option<string?>("--checkpoint-dir") { Description = "Write a checkpoint every epoch and resume from it." };
        var validation = new Option<string?>("--validation") { Description = "Validation data (same kind as --data); metrics are reported on it." };
        var output = new Option<string>("--out") { Description = "Where to save the model (a standard ML.NET .zip; its training curves go beside it as <name>-training.png). A missing folder is created; a second run writing the same --out at the same time is refused.", DefaultValueFactory = _ => "model.zip" };
        var json = new Option<bool>("--json") { Description = "End with one JSON line of metrics." };
        var sampleRate = new Option<double>("--sample-rate") { Description = "Partial FC: share r of the class centres each batch trains (its own classes plus random others); 1 = all (off). For heads of many thousands of classes.", DefaultValueFactory = _ => 1.0 };
        var sampledUpdates = new Option<string>("--sampled-centre-updates") { Description = "Partial FC: lazy (centres a batch did not sample keep their values and optimizer state) | dense (they take the optimizer's step with a zero gradient, as insightface's).", DefaultValueFactory = _ => "lazy" };
        var embeddingModel = new Option<bool>("--embedding-model") { Description = "Save the Embedding column only (no class centres, no Score/PredictedLabel); classify with k-NN. Chosen automatically when the classifier would not fit one ONNX graph." };
        var backend = BackendOptions.Create();
        var distributed = DistributedOptions.Create();

        var command = new Command("train", "Train an encoder with a margin head, print metrics and save the model.");
        data.AddTo(command, withLimit: false);
        foreach (var o in new Option[] { limit, head, encoder, backbone, embedding, scale, margin, epochs, batch, seed, lr, optimizer, threads, schedule, patience, warmup, checkpoint, validation, output, json, sampleRate, sampledUpdates, embeddingModel })
            command.Add(o);
        backend.AddTo(command);
        distributed.AddTo(command);

        command.SetAction(result => CliErrors.Run(() => DistributedOptions.Run(() => distributed.Create(result), world =>
        {
            bool root = world is null || world.Rank == 0;
            // 1. Everything that needs no data: options, the backbone, the output path.
            if (result.GetValue(limit) is <= 0) throw new ArgumentException($"--limit must be a positive number of rows, got {result.GetValue(limit)}.");
            string? backboneName = result.GetValue(backbone)?.Trim().ToLowerInvariant() switch
            {
                null or "" or "none" => null,
                "resnet18" => "resnet18",
                var other => throw new ArgumentException($"--backbone: expected resnet18, found '{other}'."),
            };
            var options = new ArcFaceTrainer.Options
            {
                Head = Names.Head(result.GetValue(head)!),
                HeadOptions = new HeadOptions { Scale = result.GetValue(scale), Margin = result.GetValue(margin) },
                Encoder = new EncoderSpec { Kind = backboneName is null ? Names.Encoder(result.GetValue(encoder)!) : EncoderKind.Mlp, EmbeddingSize = result.GetValue(embedding) },
                MaxEpoch = result.GetValue(epochs),
                BatchSize = result.GetValue(batch),
                Seed = result.GetValue(seed),
                LearningRate = result.GetValue(lr),
                Optimizer = Names.Optimizer(result.GetValue(optimizer)!),
                Threads = result.GetValue(threads),
                SoftmaxWarmupEpochs = result.GetValue(warmup),
                Schedule = Names.Schedule(result.GetValue(schedule)!),
                EarlyStoppingPatience = result.GetValue(patience),
                CheckpointDirectory = result.GetValue(checkpoint),
                SampleRate = result.GetValue(sampleRate),
                SampledCentreUpdates = Names.SampledCentreUpdates(result.GetValue(sampledUpdates)!),
                SaveClassifier = !result.GetValue(embeddingModel),
                Backend = backend.Create(result),
                GemmProvider = backend.GemmProvider(result),
                Communicator = world,
            };
            if (options.Encoder.Kind != EncoderKind.Mlp && backboneName is not null)
                throw new ArgumentException("--backbone resnet18 trains the MLP encoder on the backbone's features; leave --encoder at mlp.");
            if (options.EarlyStoppingPatience > 0 && result.GetValue(validation) is null)
                throw new ArgumentException("--patience needs --validation data to watch.");
            if (options.Schedule == ScheduleKind.ReduceOnPlateau && result.GetValue(validation) is null)
                throw new ArgumentException("--schedule plateau needs --validation data to watch.");
            _ = new ArcFaceTrainer(options); // validates every option, the head's ranges included
            string outPath = result.GetValue(output)!;
            data.Validate(result);
            // The output: its folder is created if missing; the lock refuses a second run writing the same --out
            // (taken by the process that writes: rank 0 of a distributed run).
            using var outputLock = root ? OutputLock.Acquire(outPath) : null;

            // 2. The data, as IDataViews; validation labels must be classes of the training data.
            var ml = new MLContext(seed: (int)(options.Seed & int.MaxValue));
            var raw = data.Load(ml, result);
            if (result.GetValue(limit) is { } n) raw = ml.Data.TakeRows(raw, n);
            var classes = LabelKeys.TrainingClasses(raw);
            var train = LabelKeys.Keyed(ml, raw, classes);
            data.ReportResizing(raw, result.GetValue(data.Data)!, result, backboneName);
            IDataView? valid = null;
            if (result.GetValue(validation) is { } v)
            {
                var rawValid = data.Load(ml, result, v);
                string trainingName = result.GetValue(limit) is { } rows ? $"the first {rows} rows of {result.GetValue(data.Data)}, --limit" : result.GetValue(data.Data)!;
                LabelKeys.RequireKnown(ml, rawValid, v, data.LabelColumnName(result, v), classes, $"the training data ({trainingName})");
                data.ReportResizing(rawValid, v, result, backboneName);
                valid = LabelKeys.Keyed(ml, rawValid, classes);
            }

            // 3. The pipeline: preparation (images), then the trainer.
            var preparation = data.Preparation(ml, result, backboneName)?.Fit(train);
            var features = preparation?.Transform(train) ?? train;
            if (valid is not null) options.ValidationSet = preparation?.Transform(valid) ?? valid;
            string processes = world is { Size: > 1 } ? $", {world.Size} processes" : "";
            if (root) Console.Error.WriteLine($"training {result.GetValue(head)!.Trim().ToLowerInvariant()} with the {options.Encoder.Kind.ToString().ToLowerInvariant()} encoder{(backboneName is null ? "" : " on ResNet-18 features")} on {(options.Backend ?? EngineBackend.Instance)}{processes}, {classes.Length} classes");
            var clock = Stopwatch.StartNew();
            var model = !root ? new ArcFaceTrainer(options).Fit(features) : ConsoleProgress.Run("training", progress =>
            {
                options.Progress = progress;
                return new ArcFaceTrainer(options).Fit(features);
            });
            double seconds = clock.Elapsed.TotalSeconds;
            if (!root) return 0;
            if (model.IsEmbeddingModel)
                Console.Error.WriteLine($"saving an embedding model (the Embedding column only) because {(result.GetValue(embeddingModel) ? "--embedding-model asks for it" : model.EmbeddingModelReason)}; classify with k-NN over the class centres or a gallery");

            // 4. Save the standard ML.NET model (preparation + trained transformer), atomically.
            ITransformer saved = preparation is null ? model : new TransformerChain<ITransformer>([.. (TransformerChain<ITransformer>)preparation, model]);
            AtomicFile.Write(outPath, s => ml.Model.Save(saved, train.Schema, s));
            string curves = Plotting.TrainingCurvePlot.Save(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(outPath))!, Path.GetFileNameWithoutExtension(outPath) + "-training.png"),
                model.History, $"{options.Head} with the {options.Encoder.Kind.ToString().ToLowerInvariant()} encoder");

            // 5. Metrics on the validation data (k-NN against the training embeddings), else on the training data;
            //    a run whose accuracy is no better than chance gets a warning naming the flags to change.
            string on = valid is null ? "training" : "validation";
            Console.WriteLine($"{on} data:");
            var values = CliEvaluation.Run(ml, saved, valid ?? train, valid is null ? null : train, knnK: 5, retrieval: false, pairs: 0, diagnostics: false);
            values["evaluatedOn"] = on;
            values["epochs"] = model.History.Epochs.Count;
            values["trainSeconds"] = seconds;
            values["samplesPerSecond"] = model.History.Epochs.Average(e => e.SamplesPerSecond);
            values["backend"] = model.Backend;
            if (world is { Size: > 1 })
            {
                values["processes"] = world.Size;
                values["communicationSeconds"] = world.CommunicationTime.TotalSeconds;
            }
            values["model"] = Path.GetFullPath(outPath);
            Console.WriteLine($"saved {Path.GetFullPath(outPath)}");
            Console.WriteLine($"training curves: {curves}");
            values["trainingCurves"] = curves;
            // An embedding model has no Score: its k-NN accuracy stands in for the classifier's.
            double accuracy = (double)(values.GetValueOrDefault("accuracy") ?? values["knnAccuracy"])!;
            string? failure = TrainingFailure.Check(accuracy, (double)values["chanceAccuracy"]!, on, options);
            values["trainingFailed"] = failure is not null;
            if (failure is not null)
            {
                values["warning"] = failure;
                Console.Error.WriteLine("warning: " + failure);
            }
            if (result.GetValue(json)) JsonLine.Write(values);
            return 0;
        })));
        return command;
    }
}

using System.Text.Json;
using System.Text.Json.Nodes;
using MLNetMarginLoss.Data;
using MLNetMarginLoss.Encoders;
using MLNetMarginLoss.Engine.Optimizers;
using MLNetMarginLoss.Engine.Schedules;
using MLNetMarginLoss.Heads;
using MLNetMarginLoss.Persistence;

namespace MLNetMarginLoss.Training;

/// <summary>
/// The state of a run after a completed epoch, kept in <c>checkpoint.zip</c> in the checkpoint directory:
/// weights, optimizer slots, schedule state, history and the rows still in use. Written atomically after every
/// epoch; a run started with the same directory and compatible options resumes after the last saved epoch.
/// </summary>
internal sealed class TrainingCheckpoint
{
    private const string Kind = "mlnet-margin-checkpoint";
    private readonly string _path;

    public TrainingCheckpoint(string directory)
    {
        Directory.CreateDirectory(directory);
        _path = Path.Combine(directory, "checkpoint.zip");
    }

    /// <summary>Identifies a run: a checkpoint is only resumed by a run with the same fingerprint.</summary>
    private static string Fingerprint(ArcFaceTrainer.Options o, Dataset train) => string.Join("|",
        o.Head, JsonSerializer.Serialize(o.HeadOptions), JsonSerializer.Serialize(o.Encoder with { InputShape = train.FeatureShape }),
        o.Optimizer, o.LearningRate.ToString("R"), o.WeightDecay.ToString("R"), o.Schedule, o.BatchSize, o.Seed,
        o.SoftmaxWarmupEpochs, o.FrozenLayers, train.Count, string.Join(",", train.ClassNames));

    public void Save(ArcFaceTrainer.Options options, Dataset train, int epoch, Encoder encoder, MarginHead head,
        Optimizer optimizer, LearningRateSchedule schedule, TrainingHistory history, int[] activeRows,
        WeightSnapshot? best, EarlyStoppingState stopping)
    {
        var manifest = NetworkManifest.Describe(encoder, head, train.ClassNames);
        manifest["kind"] = Kind;
        manifest["fingerprint"] = Fingerprint(options, train);
        manifest["epoch"] = epoch;
        var state = optimizer.GetState();
        manifest["optimizerSteps"] = state.StepCount;
        manifest["schedule"] = new JsonArray(schedule.GetState().Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
        manifest["history"] = JsonSerializer.SerializeToNode(history.Epochs, NetworkManifest.Json);
        var tensors = NetworkManifest.CollectTensors(encoder, head);
        foreach (var slot in state.Slots) tensors.Add(("optimizer." + slot.Name, [slot.Values.Length], slot.Values));
        if (best is { Epoch: >= 0 })
        {
            manifest["bestEpoch"] = best.Epoch;
            foreach (var (name, shape, data) in best.Copies) tensors.Add(("best." + name, shape, data));
        }
        manifest["bestLoss"] = double.IsFinite(stopping.BestLoss) ? stopping.BestLoss : null;
        manifest["sinceBest"] = stopping.SinceBest;
        tensors.Add(("rows", [Math.Max(1, activeRows.Length)], activeRows.Length == 0 ? [0f] : activeRows.Select(r => (float)r).ToArray()));
        ModelArchive.Save(_path, manifest, tensors);
    }

    public bool TryRestore(ArcFaceTrainer.Options options, Dataset train, Encoder encoder, MarginHead head,
        Optimizer optimizer, LearningRateSchedule schedule, TrainingHistory history, ref int[] activeRows,
        WeightSnapshot? best, EarlyStoppingState stopping, out int epoch)
    {
        epoch = -1;
        if (!File.Exists(_path)) return false;
        var archive = ModelArchive.Load(_path);
        var m = archive.Manifest;
        if (m["kind"]?.GetValue<string>() != Kind)
            throw new ModelFormatException(_path, "it is not a training checkpoint.");
        if (m["fingerprint"]?.GetValue<string>() != Fingerprint(options, train))
            throw new InvalidOperationException($"The checkpoint {_path} belongs to a run with other options or data; use another checkpoint directory or delete it.");
        epoch = m["epoch"]!.GetValue<int>();
        NetworkManifest.RestoreTensors(_path, archive.Tensors, encoder, head);
        var slots = new List<OptimizerSlot>();
        foreach (var slot in optimizer.GetState().Slots)
        {
            if (!archive.Tensors.TryGetValue("optimizer." + slot.Name, out var t) || t.Data.Length != slot.Values.Length)
                throw new ModelFormatException(_path, $"optimizer state '{slot.Name}' is missing or has the wrong size.");
            slots.Add(new OptimizerSlot(slot.Name, t.Data));
        }
        optimizer.SetState(new OptimizerState(m["optimizerSteps"]!.GetValue<long>(), slots));
        schedule.SetState(m["schedule"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray());
        foreach (var r in m["history"].Deserialize<List<EpochRecord>>(NetworkManifest.Json) ?? []) history.Add(r);
        if (m["bestLoss"] is { } bestLoss) stopping.BestLoss = bestLoss.GetValue<double>();
        stopping.SinceBest = m["sinceBest"]?.GetValue<int>() ?? 0;
        if (best is not null && m["bestEpoch"] is { } bestEpoch)
        {
            foreach (var (name, _, data) in best.Copies)
            {
                if (!archive.Tensors.TryGetValue("best." + name, out var t) || t.Data.Length != data.Length)
                    throw new ModelFormatException(_path, $"the early-stopping copy of '{name}' is missing or has the wrong size.");
                t.Data.AsSpan().CopyTo(data);
            }
            best.Epoch = bestEpoch.GetValue<int>();
        }
        if (archive.Tensors.TryGetValue("rows", out var rows))
            activeRows = rows.Data.Select(v => (int)v).Where(r => r >= 0 && r < train.Count).ToArray();
        return true;
    }
}

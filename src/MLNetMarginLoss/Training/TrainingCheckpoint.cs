using System.Text.Json;
using System.Text.Json.Nodes;
using MLNetMarginLoss.Data;
using MLNetMarginLoss.Engine.Optimizers;
using MLNetMarginLoss.Persistence;

namespace MLNetMarginLoss.Training;

/// <summary>
/// The state of a run after a completed epoch, kept in <c>checkpoint.zip</c> in the checkpoint directory:
/// weights, optimizer slots, schedule state, history, early-stopping state and the rows still in use. Written
/// atomically after every epoch; a run started with the same directory and compatible settings resumes after the last
/// saved epoch, on either backend.
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

    /// <summary>
    /// Identifies a run: a checkpoint is only resumed by a run with the same fingerprint. The batch is the global one
    /// (BatchSize × processes), so a run may resume with another number of processes that keeps it.
    /// </summary>
    private static string Fingerprint(TrainingSettings s, Dataset train) => string.Join("|",
        s.Head, JsonSerializer.Serialize(s.HeadOptions), JsonSerializer.Serialize(s.Encoder with { InputShape = train.FeatureShape }),
        s.Optimizer, s.LearningRate.ToString("R"), s.WeightDecay.ToString("R"), s.Schedule, s.GlobalBatchSize, s.Seed,
        s.SoftmaxWarmupEpochs, s.FrozenLayers, s.SampleRate.ToString("R"), s.SampledCentreUpdates, train.Count, string.Join(",", train.ClassNames));

    /// <summary>Writes <paramref name="state"/> (atomically).</summary>
    public void Save(TrainingSettings settings, Dataset train, CheckpointState state)
    {
        var run = state.Run;
        var manifest = NetworkManifest.Describe(state.Encoder, state.Head, train.ClassNames);
        manifest["kind"] = Kind;
        manifest["fingerprint"] = Fingerprint(settings, train);
        manifest["epoch"] = state.Epoch;
        manifest["optimizerSteps"] = state.Optimizer.StepCount;
        manifest["schedule"] = new JsonArray(state.Schedule.Select(v => (JsonNode)JsonValue.Create(v)).ToArray());
        manifest["history"] = JsonSerializer.SerializeToNode(run.History.Epochs, NetworkManifest.Json);
        var tensors = NetworkManifest.CollectTensors(state.Encoder, state.Head);
        foreach (var slot in state.Optimizer.Slots) tensors.Add(("optimizer." + slot.Name, [slot.Values.Length], slot.Values));
        manifest["optimizerSlots"] = new JsonArray(state.Optimizer.Slots.Select(s => (JsonNode)JsonValue.Create(s.Name)!).ToArray());
        if (run.Best is { Epoch: >= 0 } best)
        {
            manifest["bestEpoch"] = best.Epoch;
            foreach (var (name, shape, data) in best.Copies) tensors.Add(("best." + name, shape, data));
        }
        manifest["bestLoss"] = double.IsFinite(run.Stopping.BestLoss) ? run.Stopping.BestLoss : null;
        manifest["sinceBest"] = run.Stopping.SinceBest;
        tensors.Add(("rows", [run.ActiveRows.Length * 2 + 1], EncodeRows(run.ActiveRows)));
        ModelArchive.Save(_path, manifest, tensors);
    }

    /// <summary>
    /// Restores the last saved epoch into <paramref name="encoder"/>, <paramref name="head"/> and <paramref name="run"/>
    /// (history, early-stopping state, best snapshot, active rows) and returns the saved epoch, its optimizer state and
    /// schedule state; null when there is no checkpoint.
    /// </summary>
    /// <exception cref="InvalidOperationException">The checkpoint belongs to a run with other settings or data.</exception>
    /// <exception cref="ModelFormatException">The file is not a readable checkpoint.</exception>
    public Restored? TryRestore(TrainingSettings settings, Dataset train, Encoders.Encoder encoder, Heads.MarginHead head, RunState run)
    {
        if (!File.Exists(_path)) return null;
        var archive = ModelArchive.Load(_path);
        var m = archive.Manifest;
        if (m["kind"]?.GetValue<string>() != Kind)
            throw new ModelFormatException(_path, "it is not a training checkpoint.");
        if (m["fingerprint"]?.GetValue<string>() != Fingerprint(settings, train))
            throw new InvalidOperationException($"The checkpoint {_path} belongs to a run with other options or data; use another checkpoint directory or delete it.");
        int epoch = m["epoch"]!.GetValue<int>();
        NetworkManifest.RestoreTensors(_path, archive.Tensors, encoder, head);
        var slots = new List<OptimizerSlot>();
        foreach (var node in m["optimizerSlots"]?.AsArray() ?? [])
        {
            string name = node!.GetValue<string>();
            if (!archive.Tensors.TryGetValue("optimizer." + name, out var t))
                throw new ModelFormatException(_path, $"optimizer state '{name}' is missing.");
            slots.Add(new OptimizerSlot(name, t.Data));
        }
        var optimizer = new OptimizerState(m["optimizerSteps"]!.GetValue<long>(), slots);
        var schedule = m["schedule"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        foreach (var r in m["history"].Deserialize<List<EpochRecord>>(NetworkManifest.Json) ?? []) run.History.Add(r);
        if (m["bestLoss"] is { } bestLoss) run.Stopping.BestLoss = bestLoss.GetValue<double>();
        run.Stopping.SinceBest = m["sinceBest"]?.GetValue<int>() ?? 0;
        if (run.Best is { } best && m["bestEpoch"] is { } bestEpoch)
        {
            foreach (var (name, _, data) in best.Copies)
            {
                if (!archive.Tensors.TryGetValue("best." + name, out var t) || t.Data.Length != data.Length)
                    throw new ModelFormatException(_path, $"the early-stopping copy of '{name}' is missing or has the wrong size.");
                t.Data.AsSpan().CopyTo(data);
            }
            best.Epoch = bestEpoch.GetValue<int>();
        }
        if (archive.Tensors.TryGetValue("rows", out var saved)) run.ActiveRows = DecodeRows(_path, saved.Data, train.Count);
        return new Restored(epoch, optimizer, schedule);
    }

    /// <summary>Row indices as exact floats: a leading count, then [r / 2²⁴, r mod 2²⁴] per row.</summary>
    private static float[] EncodeRows(int[] rows)
    {
        var data = new float[rows.Length * 2 + 1];
        data[0] = rows.Length;
        for (int i = 0; i < rows.Length; i++) { data[1 + 2 * i] = rows[i] >> 24; data[2 + 2 * i] = rows[i] & 0xFFFFFF; }
        return data;
    }

    private static int[] DecodeRows(string path, float[] data, int count)
    {
        if (data.Length % 2 != 1 || data[0] != (data.Length - 1) / 2)
            throw new ModelFormatException(path, "its list of training rows is damaged.");
        var rows = new int[(data.Length - 1) / 2];
        for (int i = 0; i < rows.Length; i++)
        {
            rows[i] = ((int)data[1 + 2 * i] << 24) | (int)data[2 + 2 * i];
            if ((uint)rows[i] >= (uint)count) throw new ModelFormatException(path, $"its list of training rows names row {rows[i]} of {count}.");
        }
        return rows;
    }

    /// <summary>What <see cref="TryRestore"/> read besides the weights it restored in place.</summary>
    internal sealed record Restored(int Epoch, OptimizerState Optimizer, double[] Schedule);
}

/// <summary>The run's state at the end of an epoch, as a checkpoint holds it.</summary>
internal sealed record CheckpointState(int Epoch, Encoders.Encoder Encoder, Heads.MarginHead Head, OptimizerState Optimizer, double[] Schedule, RunState Run);

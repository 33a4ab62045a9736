namespace MLNetMarginLoss;

/// <summary>The per-epoch record of a training run (for training curves and reports).</summary>
public sealed class TrainingHistory
{
    private readonly List<EpochRecord> _epochs = [];

    /// <summary>Creates an empty history.</summary>
    public TrainingHistory() { }

    /// <summary>Creates a history holding <paramref name="epochs"/>.</summary>
    public TrainingHistory(IEnumerable<EpochRecord> epochs) => _epochs.AddRange(epochs);

    /// <summary>The epochs in order.</summary>
    public IReadOnlyList<EpochRecord> Epochs => _epochs;

    /// <summary>The zero-based epoch whose weights the model holds (the best one under early stopping, else the last).</summary>
    public int SelectedEpoch { get; internal set; } = -1;

    /// <summary>True when early stopping ended training before the planned number of epochs.</summary>
    public bool StoppedEarly { get; internal set; }

    internal void Add(EpochRecord record) => _epochs.Add(record);

    internal void TruncateTo(int count)
    {
        if (_epochs.Count > count) _epochs.RemoveRange(count, _epochs.Count - count);
    }
}

using MLNetMarginLoss.Encoders;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Heads;

namespace MLNetMarginLoss.Training;

/// <summary>A copy of every encoder and head parameter and buffer, for keeping the best weights under early stopping.</summary>
internal sealed class WeightSnapshot
{
    private readonly List<(Parameter Live, float[] Copy)> _items = [];

    public WeightSnapshot(Encoder encoder, MarginHead head)
    {
        foreach (var (_, p, _) in encoder.Network.NamedState()) _items.Add((p, new float[p.Length]));
        foreach (var p in head.Parameters.Concat(head.Buffers)) _items.Add((p, new float[p.Length]));
    }

    /// <summary>The epoch captured last, or −1.</summary>
    public int Epoch { get; set; } = -1;

    public void Capture()
    {
        foreach (var (live, copy) in _items) live.Value.AsSpan().CopyTo(copy);
    }

    public void Restore()
    {
        foreach (var (live, copy) in _items) copy.AsSpan().CopyTo(live.Value);
    }
}

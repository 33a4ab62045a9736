using MLNetMarginLoss.Encoders;
using MLNetMarginLoss.Heads;

namespace MLNetMarginLoss.Training;

/// <summary>
/// A named copy of every encoder and head parameter and buffer (the names of the model file), for keeping the
/// best weights under early stopping; checkpoints save it so that a resumed run keeps them too.
/// </summary>
internal sealed class WeightSnapshot
{
    private readonly List<(string Name, int[] Shape, float[] Live, float[] Copy)> _items = [];

    public WeightSnapshot(Encoder encoder, MarginHead head)
    {
        foreach (var (name, shape, live) in NetworkManifest.CollectTensors(encoder, head))
            _items.Add((name, shape, live, new float[live.Length]));
    }

    /// <summary>The epoch captured last, or −1.</summary>
    public int Epoch { get; set; } = -1;

    /// <summary>The captured copies with their names and shapes.</summary>
    public IEnumerable<(string Name, int[] Shape, float[] Data)> Copies => _items.Select(i => (i.Name, i.Shape, i.Copy));

    public void Capture()
    {
        foreach (var item in _items) item.Live.AsSpan().CopyTo(item.Copy);
    }

    public void Restore()
    {
        foreach (var item in _items) item.Copy.AsSpan().CopyTo(item.Live);
    }
}

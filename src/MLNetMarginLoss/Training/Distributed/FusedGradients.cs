using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Training.Distributed;

/// <summary>
/// Data parallelism's one message per step: the gradients of every trainable (not frozen) dense parameter — encoder
/// and dense head — copied into one pinned float buffer, followed by a few extra values (the step's loss sums), summed
/// over the processes in place by a single all-reduce, and copied back. Each process's gradients are already its
/// contribution to the gradient of the global batch's mean loss (its rows' share is applied before backward), so the
/// sum is the global gradient and no scaling follows. One buffer rather than one message per parameter because a
/// collective's cost is latency plus size/bandwidth: one latency per step instead of one per parameter.
/// </summary>
internal sealed class FusedGradients
{
    private readonly Parameter[] _parameters;
    private readonly float[] _buffer;
    private readonly int _gradientLength;

    /// <summary>A buffer for the gradients of <paramref name="parameters"/> (frozen ones left out) and <paramref name="extras"/> more values.</summary>
    public FusedGradients(IEnumerable<Parameter> parameters, int extras)
    {
        _parameters = parameters.Where(p => !p.Frozen).ToArray();
        _gradientLength = _parameters.Sum(p => p.Length);
        _buffer = GC.AllocateUninitializedArray<float>(_gradientLength + extras, pinned: true);
    }

    /// <summary>Floats per message.</summary>
    public int Length => _buffer.Length;

    /// <summary>Sums the gradients and <paramref name="extras"/> (in place) over the processes of <paramref name="world"/>.</summary>
    public void AllReduce(Communicator world, Span<float> extras)
    {
        int at = 0;
        foreach (var p in _parameters)
        {
            p.Gradient.AsSpan().CopyTo(_buffer.AsSpan(at));
            at += p.Length;
        }
        extras.CopyTo(_buffer.AsSpan(_gradientLength));
        world.AllReduce(_buffer.AsSpan(), ReduceOperation.Sum);
        at = 0;
        foreach (var p in _parameters)
        {
            _buffer.AsSpan(at, p.Length).CopyTo(p.Gradient);
            at += p.Length;
        }
        _buffer.AsSpan(_gradientLength, extras.Length).CopyTo(extras);
    }
}

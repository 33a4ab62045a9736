using MLNetMarginLoss.Engine;
using TorchSharp;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace MLNetMarginLoss.TorchBackend.Modules;

/// <summary>
/// Inverted dropout as the engine's: in training each element is zeroed with probability p and survivors are scaled
/// by 1/(1 − p); inference is the identity. Masks come from a <see cref="Generator"/> on the input's device seeded
/// from the engine's (seed, epoch)-derived generator, so a run is reproducible and a resumed run continues as an
/// uninterrupted one. With <see cref="ReplayEngineMasks"/> the layer instead draws the engine's exact masks on the
/// host (same generator, same bits, same threshold) — what the cross-backend tests use to compare gradients.
/// </summary>
internal sealed class EngineDropout : nn.Module<Tensor, Tensor>
{
    private SeededRandom _random = new(0);
    private Generator? _generator;
    private bool _seedPending = true;

    public EngineDropout(double probability) : base(nameof(EngineDropout)) => Probability = probability;

    /// <summary>The probability of zeroing an element.</summary>
    public double Probability { get; }

    /// <summary>Draw the engine's masks on the host instead of device random numbers.</summary>
    public bool ReplayEngineMasks { get; set; }

    /// <summary>
    /// Takes <paramref name="random"/> (already forked for this layer, as the engine's layer forks) as the mask source:
    /// replayed masks draw from it directly; device masks come from a generator seeded with its next draw.
    /// </summary>
    public void Seed(SeededRandom random)
    {
        _random = random;
        _seedPending = true;
    }

    public override Tensor forward(Tensor input)
    {
        if (!training || Probability <= 0) return input.alias();
        if (Probability >= 1) return input * 0f;
        using var scope = NewDisposeScope();
        Tensor mask;
        if (ReplayEngineMasks)
        {
            mask = tensor(EngineMask(checked((int)input.numel())), input.shape, device: input.device);
        }
        else
        {
            if (_generator is null || _generator.device.type != input.device.type || _generator.device.index != input.device.index)
            {
                _generator?.Dispose();
                _generator = new Generator(0, input.device);
                _seedPending = true;
            }
            if (_seedPending) { _generator.manual_seed(unchecked((long)_random.NextUInt64())); _seedPending = false; }
            var uniform = rand(input.shape, input.dtype, input.device, generator: _generator);
            mask = uniform.ge(Probability).to(input.dtype) * (float)(1.0 / (1.0 - Probability));
        }
        return (input * mask).MoveToOuterDisposeScope();
    }

    /// <summary>The mask the engine's Dropout layer draws for <paramref name="length"/> elements from the same generator state.</summary>
    internal float[] EngineMask(int length)
    {
        var mask = new float[length];
        uint threshold = (uint)Math.Min(uint.MaxValue, Math.Round(Probability * 4294967296.0));
        float scale = (float)(1.0 / (1.0 - Probability));
        var bits = new uint[length];
        for (int j = 0; j < length / 2; j++)
        {
            ulong draw = _random.NextUInt64();
            bits[2 * j] = (uint)draw;
            bits[2 * j + 1] = (uint)(draw >> 32);
        }
        if (length % 2 == 1) bits[length - 1] = (uint)_random.NextUInt64();
        for (int i = 0; i < length; i++) mask[i] = bits[i] >= threshold ? scale : 0f;
        return mask;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _generator?.Dispose();
        base.Dispose(disposing);
    }
}

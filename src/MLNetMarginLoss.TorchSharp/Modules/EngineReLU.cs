using TorchSharp;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace MLNetMarginLoss.TorchBackend.Modules;

/// <summary>
/// max(0, x) as the engine's ReLU. With <see cref="TorchEncoder.ReplayedReluMasks"/> set (tests only), the layer instead
/// multiplies by the next mask of that queue — the engine's own decisions (1 where its output was positive) — so that
/// the two backends take the same branch at every kink. Without it, a pre-activation within float rounding of zero can
/// fall on different sides in the two backends (their sums run in different orders) and switch that unit's whole
/// gradient on in one and off in the other: a genuine difference of the two float32 functions, not of their
/// derivatives, which the cross-backend gradient tests must not confuse with an error.
/// </summary>
internal sealed class EngineReLU : nn.Module<Tensor, Tensor>
{
    private readonly TorchEncoder _owner;

    public EngineReLU(TorchEncoder owner) : base(nameof(EngineReLU)) => _owner = owner;

    public override Tensor forward(Tensor input)
    {
        if (_owner.ReplayedReluMasks is not { } masks) return nn.functional.relu(input);
        if (!masks.TryDequeue(out var mask))
            throw new InvalidOperationException("The replayed ReLU masks ran out: fill the queue with one mask per ReLU of the forward pass, in order.");
        if (mask.LongLength != input.numel())
            throw new InvalidOperationException($"A replayed ReLU mask has {mask.LongLength} values for a tensor of {input.numel()}.");
        using var scope = NewDisposeScope();
        var m = tensor(mask, input.shape, input.dtype, input.device);
        return (input * m).MoveToOuterDisposeScope();
    }
}

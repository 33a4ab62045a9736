using TorchSharp;
using static TorchSharp.torch;
using EngineParameter = MLNetMarginLoss.Engine.Parameter;

namespace MLNetMarginLoss.TorchBackend.Modules;

/// <summary>Copies values between engine parameters (host float arrays) and TorchSharp tensors of the same shape.</summary>
internal static class TensorTransfer
{
    /// <summary>Writes <paramref name="source"/>'s values into <paramref name="target"/> (any device), checking the shape.</summary>
    public static void Upload(EngineParameter source, Tensor target)
    {
        CheckShape(source, target);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        target.copy_(tensor(source.Value, source.Dims.Select(d => (long)d).ToArray(), ScalarType.Float32));
    }

    /// <summary>Reads <paramref name="source"/> (any device) into <paramref name="target"/>'s values, checking the shape.</summary>
    public static void Download(Tensor source, EngineParameter target)
    {
        CheckShape(target, source);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        source.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().CopyTo(target.Value, 0, 0);
    }

    /// <summary>A host copy of a float tensor's values.</summary>
    public static float[] ToArray(Tensor source)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        return source.detach().to(ScalarType.Float32).cpu().contiguous().data<float>().ToArray();
    }

    private static void CheckShape(EngineParameter p, Tensor t)
    {
        if (!t.shape.SequenceEqual(p.Dims.Select(d => (long)d)))
            throw new InvalidOperationException($"Tensor '{p.Name}' has shape [{string.Join(", ", t.shape)}] in TorchSharp and [{string.Join(", ", p.Dims)}] in the engine.");
    }
}

using MLNetMarginLoss.Encoders;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Layers;
using MLNetMarginLoss.Heads;

namespace MLNetMarginLoss.Training;

/// <summary>
/// Counts the floating-point operations of one training step per sample (forward, input gradient and weight
/// gradient of every dense and convolution layer, plus the head's cosine GEMM), for reporting GFLOP/s.
/// Element-wise work (activations, pooling, normalisation) is not counted.
/// </summary>
internal static class TrainingCost
{
    /// <summary>FLOPs per training sample (2 per multiply-add; 3 GEMMs per layer, 2 for the first, which needs no input gradient).</summary>
    public static double FlopsPerSample(Encoder encoder, MarginHead head)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(head);
        double flops = 0;
        var shape = encoder.Spec.InputShape;
        bool first = true;
        foreach (var layer in Flatten(encoder.Network))
        {
            var output = layer.GetOutputShape(shape);
            double macs = layer switch
            {
                Linear l => (double)l.InFeatures * l.OutFeatures,
                Conv2d c => (double)c.OutChannels * c.InChannels * c.KernelSize * c.KernelSize * output.Height * output.Width,
                _ => 0,
            };
            if (macs > 0)
            {
                flops += 2 * macs * (first ? 2 : 3);
                first = false;
            }
            shape = output;
        }
        flops += 2.0 * 3 * head.EmbeddingSize * head.ClassCount;
        return flops;
    }

    private static IEnumerable<Layer> Flatten(Layer layer)
    {
        if (layer is Sequential s)
        {
            foreach (var l in s.Layers) foreach (var inner in Flatten(l)) yield return inner;
        }
        else
        {
            yield return layer; // residual blocks are counted as opaque (their convs are not visited)
        }
    }
}

using MLNetMarginLoss.Engine.Kernels;

namespace MLNetMarginLoss.Engine.Layers;

/// <summary>
/// What the 2-D pooling layers share: a square window, a stride (the window size by default), no padding,
/// floor mode, and the output shape that follows (channels kept, spatial size reduced).
/// </summary>
internal abstract class Pool2d : Layer
{
    /// <summary>Creates a pooling layer; <paramref name="stride"/> defaults to the kernel size.</summary>
    protected Pool2d(int kernelSize, int? stride)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernelSize);
        if (stride is <= 0) throw new ArgumentOutOfRangeException(nameof(stride), stride, "The stride must be positive.");
        KernelSize = kernelSize;
        Stride = stride ?? kernelSize;
    }

    /// <summary>Window height and width.</summary>
    public int KernelSize { get; }

    /// <summary>Step between windows.</summary>
    public int Stride { get; }

    /// <inheritdoc />
    public override string ToString() => $"{GetType().Name}({KernelSize}×{KernelSize}, stride {Stride})";

    /// <summary>The window geometry for an input shape; a shape the window does not fit gives an error naming this layer.</summary>
    private protected ConvolutionGeometry Geometry(TensorShape input)
    {
        try { return new ConvolutionGeometry(input, KernelSize, KernelSize, Stride, 0); }
        catch (ArgumentException e) { throw new ArgumentException($"{this}: {e.Message}", e); }
    }

    /// <inheritdoc />
    public override TensorShape GetOutputShape(TensorShape input)
    {
        var g = Geometry(input);
        return new TensorShape(input.Channels, g.OutputHeight, g.OutputWidth);
    }
}

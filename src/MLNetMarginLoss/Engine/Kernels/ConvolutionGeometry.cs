namespace MLNetMarginLoss.Engine.Kernels;

/// <summary>
/// The shape arithmetic of a 2-D convolution or pooling window over one (C, H, W) sample:
/// kernel <see cref="KernelHeight"/>×<see cref="KernelWidth"/>, <see cref="Stride"/>, zero <see cref="Padding"/>,
/// output <see cref="OutputHeight"/>×<see cref="OutputWidth"/> = ⌊(H + 2·pad − k) / stride⌋ + 1, as in PyTorch.
/// </summary>
internal readonly record struct ConvolutionGeometry
{
    /// <summary>Computes the geometry; throws when the padded input is smaller than the kernel.</summary>
    public ConvolutionGeometry(TensorShape input, int kernelHeight, int kernelWidth, int stride, int padding)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernelHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernelWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        if (input.Height + 2 * padding < kernelHeight || input.Width + 2 * padding < kernelWidth)
            throw new ArgumentException(
                $"A {kernelHeight}×{kernelWidth} window with padding {padding} does not fit input samples of shape {input}: " +
                $"the padded input ({input.Height + 2 * padding}×{input.Width + 2 * padding}) must be at least as large as the window.");
        Channels = input.Channels;
        Height = input.Height;
        Width = input.Width;
        KernelHeight = kernelHeight;
        KernelWidth = kernelWidth;
        Stride = stride;
        Padding = padding;
        OutputHeight = (input.Height + 2 * padding - kernelHeight) / stride + 1;
        OutputWidth = (input.Width + 2 * padding - kernelWidth) / stride + 1;
    }

    /// <summary>Input channels.</summary>
    public int Channels { get; }
    /// <summary>Input height.</summary>
    public int Height { get; }
    /// <summary>Input width.</summary>
    public int Width { get; }
    /// <summary>Window height.</summary>
    public int KernelHeight { get; }
    /// <summary>Window width.</summary>
    public int KernelWidth { get; }
    /// <summary>Step between windows, in both directions.</summary>
    public int Stride { get; }
    /// <summary>Zero padding on every side.</summary>
    public int Padding { get; }
    /// <summary>Output height.</summary>
    public int OutputHeight { get; }
    /// <summary>Output width.</summary>
    public int OutputWidth { get; }
    /// <summary>Output positions per channel: OH·OW.</summary>
    public int OutputPlane => OutputHeight * OutputWidth;
    /// <summary>Input positions per channel: H·W.</summary>
    public int InputPlane => Height * Width;
    /// <summary>Rows of the im2col matrix: C·kh·kw.</summary>
    public int PatchSize => Channels * KernelHeight * KernelWidth;
}

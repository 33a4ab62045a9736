namespace MLNetMarginLoss.Engine.Layers;

/// <summary>
/// Parametric ReLU: y = x for x > 0, a·x otherwise, with a learnable slope a — one shared slope, or one per
/// channel (the C of a (C, H, W) sample; for flat vectors, each feature). Parameter "weight" [count], initialised
/// to 0.25 as in PyTorch. Marked <see cref="Parameter.NoWeightDecay"/>: PyTorch's documentation advises against
/// decaying it.
/// </summary>
internal sealed class PReLU : Layer
{
    private readonly Tensor _output = new(0, TensorShape.Vector(1));
    private readonly Tensor _inputGradient = new(0, TensorShape.Vector(1));
    private Tensor? _input;

    /// <summary>Creates a PReLU with <paramref name="parameterCount"/> slopes (1, or the number of channels).</summary>
    public PReLU(int parameterCount = 1, float initialSlope = 0.25f)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parameterCount);
        InitialSlope = initialSlope;
        Weight = new Parameter("weight", parameterCount) { NoWeightDecay = true };
        Weight.Value.AsSpan().Fill(initialSlope);
    }

    /// <summary>The slopes, [count].</summary>
    public Parameter Weight { get; }

    /// <summary>The value <see cref="Initialize"/> resets the slopes to.</summary>
    public float InitialSlope { get; }

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> Parameters => [Weight];

    /// <inheritdoc />
    public override void Initialize(SeededRandom random) => Weight.Value.AsSpan().Fill(InitialSlope);

    /// <inheritdoc />
    public override TensorShape GetOutputShape(TensorShape input)
    {
        if (Weight.Length != 1 && input.Channels != Weight.Length)
            throw new ArgumentException($"PReLU({Weight.Length}) expects input samples with {Weight.Length} channels, got {input.Channels} ({input}).");
        return input;
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input, bool training)
    {
        GetOutputShape(input.Shape);
        _output.Reshape(input.Rows, input.Shape);
        int planes = input.Rows * input.Shape.Channels, hw = input.Shape.Height * input.Shape.Width;
        int channels = input.Shape.Channels;
        var x = input.Span;
        var y = _output.Span;
        var a = Weight.Value;
        for (int plane = 0; plane < planes; plane++)
        {
            float slope = a.Length == 1 ? a[0] : a[plane % channels];
            var xs = x.Slice(plane * hw, hw);
            var ys = y.Slice(plane * hw, hw);
            for (int i = 0; i < xs.Length; i++) { float v = xs[i]; ys[i] = v > 0 ? v : slope * v; }
        }
        _input = input;
        return _output;
    }

    /// <inheritdoc />
    public override Tensor Backward(Tensor outputGradient)
    {
        var input = _input ?? throw new InvalidOperationException("PReLU.Backward called before Forward.");
        ExpectGradient(nameof(PReLU), _output, outputGradient);
        int channels = input.Shape.Channels, hw = input.Shape.Height * input.Shape.Width;
        int planes = input.Rows * channels;
        bool wantInput = RequiresInputGradient;
        _inputGradient.Reshape(wantInput ? input.Rows : 0, input.Shape);
        var x = input.Span;
        var dy = outputGradient.Span;
        var dx = _inputGradient.Span;
        var a = Weight.Value;
        var da = Weight.Gradient;
        Array.Clear(da);
        for (int plane = 0; plane < planes; plane++)
        {
            int c = a.Length == 1 ? 0 : plane % channels;
            float slope = a[c];
            var xs = x.Slice(plane * hw, hw);
            var gs = dy.Slice(plane * hw, hw);
            double sum = 0;
            if (wantInput)
            {
                var ds = dx.Slice(plane * hw, hw);
                for (int i = 0; i < xs.Length; i++)
                {
                    float v = xs[i];
                    if (v > 0) ds[i] = gs[i];
                    else { ds[i] = slope * gs[i]; sum += v * gs[i]; }
                }
            }
            else
            {
                for (int i = 0; i < xs.Length; i++) if (xs[i] <= 0) sum += xs[i] * gs[i];
            }
            da[c] += (float)sum;
        }
        return _inputGradient;
    }
}

namespace MLNetMarginLoss.Engine.Layers;

/// <summary>
/// Fully connected layer y = x·Wᵀ + b with W stored as [out, in] (PyTorch layout).
/// Accepts any input shape and treats each sample as a flat vector of <see cref="InFeatures"/> floats.
/// Initialisation follows PyTorch: U(−1/√in, 1/√in) for weight and bias.
/// <para>
/// As an encoder's first layer it also takes sparse rows (<see cref="Forward(SparseBatch, bool)"/>): y = x·Wᵀ + b by
/// <see cref="Kernels.SparseGemm"/>, and the next <see cref="Backward"/> writes dW = dyᵀ·x and db from that batch and
/// returns no input gradient (a sparse input is the network's input).
/// </para>
/// </summary>
internal sealed class Linear : Layer
{
    private readonly Tensor _output = new(0, TensorShape.Vector(1));
    private readonly Tensor _inputGradient = new(0, TensorShape.Vector(1));
    private Tensor? _input;
    private SparseBatch? _sparseInput;
    private Kernels.SparseGemm? _sparseGemm;

    /// <summary>Creates a linear layer.</summary>
    public Linear(int inFeatures, int outFeatures, bool bias = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inFeatures);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outFeatures);
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = new Parameter("weight", outFeatures, inFeatures);
        Bias = bias ? new Parameter("bias", outFeatures) { NoWeightDecay = true } : null;
        Initialize(new SeededRandom(0));
    }

    /// <summary>Input features.</summary>
    public int InFeatures { get; }

    /// <summary>Output features.</summary>
    public int OutFeatures { get; }

    /// <summary>Weight, [out, in].</summary>
    public Parameter Weight { get; }

    /// <summary>Bias, [out], or null.</summary>
    public Parameter? Bias { get; }

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> Parameters => Bias is null ? [Weight] : [Weight, Bias];

    /// <inheritdoc />
    public override void Initialize(SeededRandom random)
    {
        float bound = 1f / MathF.Sqrt(InFeatures);
        foreach (ref var w in Weight.Value.AsSpan()) w = random.Uniform(-bound, bound);
        if (Bias is not null) foreach (ref var v in Bias.Value.AsSpan()) v = random.Uniform(-bound, bound);
    }

    /// <inheritdoc />
    public override TensorShape GetOutputShape(TensorShape input)
    {
        if (input.Size != InFeatures)
            throw new ArgumentException($"Linear({InFeatures}→{OutFeatures}) expects {InFeatures} input features, got {input.Size} ({input}).");
        return TensorShape.Vector(OutFeatures);
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input, bool training)
    {
        var shape = GetOutputShape(input.Shape);
        int n = input.Rows;
        _output.Reshape(n, shape);
        var y = _output.Span;
        if (Bias is not null)
        {
            for (int i = 0; i < n; i++) Bias.Value.AsSpan().CopyTo(y.Slice(i * OutFeatures, OutFeatures));
        }
        Context.Gemm.Sgemm(false, true, n, OutFeatures, InFeatures, 1f, input.Span, InFeatures,
            Weight.Value, InFeatures, Bias is null ? 0f : 1f, y, OutFeatures);
        _input = input;
        _sparseInput = null;
        return _output;
    }

    /// <summary>
    /// y = x·Wᵀ + b for sparse rows of <see cref="InFeatures"/> entries. The batch is kept (not copied) for
    /// <see cref="Backward"/>, which then returns an empty input gradient.
    /// </summary>
    public Tensor Forward(SparseBatch input, bool training)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Columns != InFeatures)
            throw new ArgumentException($"Linear({InFeatures}→{OutFeatures}) expects {InFeatures} input features, got sparse rows of {input.Columns}.");
        int n = input.Rows;
        _output.Reshape(n, TensorShape.Vector(OutFeatures));
        var y = _output.Span;
        if (Bias is not null)
        {
            for (int i = 0; i < n; i++) Bias.Value.AsSpan().CopyTo(y.Slice(i * OutFeatures, OutFeatures));
        }
        _sparseGemm ??= new Kernels.SparseGemm();
        _sparseGemm.MultiplyTransposed(Context.Pool, input, Weight.Value, OutFeatures, Bias is null ? 0f : 1f, _output.Data);
        _sparseInput = input;
        _input = null;
        return _output;
    }

    /// <inheritdoc />
    public override Tensor Backward(Tensor outputGradient)
    {
        if (_sparseInput is not null) return BackwardSparse(outputGradient);
        var x = _input ?? throw new InvalidOperationException("Linear.Backward called before Forward.");
        ExpectGradient(nameof(Linear), _output, outputGradient);
        int n = x.Rows;
        var dy = outputGradient.Span;
        // dW[out,in] = dyᵀ[out,n] · x[n,in]
        Context.Gemm.Sgemm(true, false, OutFeatures, InFeatures, n, 1f, dy, OutFeatures, x.Span, InFeatures,
            0f, Weight.Gradient, InFeatures);
        BiasGradient(dy, n);
        if (!RequiresInputGradient)
        {
            _inputGradient.Reshape(0, x.Shape);
            return _inputGradient;
        }
        _inputGradient.Reshape(n, x.Shape);
        // dx[n,in] = dy[n,out] · W[out,in]
        Context.Gemm.Sgemm(false, false, n, InFeatures, OutFeatures, 1f, dy, OutFeatures, Weight.Value, InFeatures,
            0f, _inputGradient.Span, InFeatures);
        return _inputGradient;
    }

    /// <summary>dW = dyᵀ·x and db for the last sparse batch; no input gradient.</summary>
    private Tensor BackwardSparse(Tensor outputGradient)
    {
        var x = _sparseInput!;
        ExpectGradient(nameof(Linear), _output, outputGradient);
        _sparseGemm!.TransposedTimes(Context.Pool, outputGradient.Data, OutFeatures, x, Weight.Gradient);
        BiasGradient(outputGradient.Span, x.Rows);
        _inputGradient.Reshape(0, TensorShape.Vector(InFeatures));
        return _inputGradient;
    }

    /// <summary>db = Σ_i dy[i] (rows in order).</summary>
    private void BiasGradient(ReadOnlySpan<float> dy, int n)
    {
        if (Bias is null) return;
        var db = Bias.Gradient.AsSpan();
        db.Clear();
        for (int i = 0; i < n; i++)
            System.Numerics.Tensors.TensorPrimitives.Add(db, dy.Slice(i * OutFeatures, OutFeatures), db);
    }
}

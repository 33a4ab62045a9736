using System.Numerics.Tensors;
using MLNetMarginLoss.Engine.Kernels;

namespace MLNetMarginLoss.Engine.Layers;

/// <summary>
/// Batch normalisation over every position of each channel (shared by <see cref="BatchNorm1d"/> and
/// <see cref="BatchNorm2d"/>, which differ only in the sample shapes they accept). In training, each channel is
/// normalised with the batch mean and biased variance, and the running statistics are updated as PyTorch does:
/// running = (1 − momentum)·running + momentum·batch, with the unbiased variance (·M/(M−1), M values per channel).
/// At inference the running statistics are used. Parameters "weight" (γ, init 1) and "bias" (β, init 0) are
/// exempt from weight decay; buffers "running_mean" (init 0) and "running_var" (init 1).
/// </summary>
internal abstract class BatchNorm : Layer
{
    private readonly Tensor _output = new(0, TensorShape.Vector(1));
    private readonly Tensor _inputGradient = new(0, TensorShape.Vector(1));
    private readonly ForwardWork _forward;
    private readonly BackwardWork _backward;
    private readonly float[] _mean, _invStd;
    private Tensor? _input;
    private bool _trainingForward;

    /// <summary>Creates the layer for <paramref name="channels"/> channels.</summary>
    protected BatchNorm(int channels, double momentum, double epsilon)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        if (!(momentum >= 0 && momentum <= 1)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "The momentum must lie in [0, 1].");
        if (!(epsilon > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "Epsilon must be positive.");
        Channels = channels;
        Momentum = momentum;
        Epsilon = epsilon;
        Weight = new Parameter("weight", channels) { NoWeightDecay = true };
        Bias = new Parameter("bias", channels) { NoWeightDecay = true };
        RunningMean = new Parameter("running_mean", channels);
        RunningVar = new Parameter("running_var", channels);
        _mean = new float[channels];
        _invStd = new float[channels];
        _forward = new ForwardWork(this);
        _backward = new BackwardWork(this);
        Initialize(new SeededRandom(0));
    }

    /// <summary>Number of channels (features).</summary>
    public int Channels { get; }

    /// <summary>Weight of the newest batch in the running statistics (PyTorch's default 0.1).</summary>
    public double Momentum { get; }

    /// <summary>Added to the variance before the square root (PyTorch's default 1e-5).</summary>
    public double Epsilon { get; }

    /// <summary>Scale γ, [C].</summary>
    public Parameter Weight { get; }

    /// <summary>Shift β, [C].</summary>
    public Parameter Bias { get; }

    /// <summary>Running mean, [C] (a buffer, not trained).</summary>
    public Parameter RunningMean { get; }

    /// <summary>Running unbiased variance, [C] (a buffer, not trained).</summary>
    public Parameter RunningVar { get; }

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> Parameters => [Weight, Bias];

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> Buffers => [RunningMean, RunningVar];

    /// <summary>Resets γ = 1, β = 0 and the running statistics to mean 0, variance 1.</summary>
    public override void Initialize(SeededRandom random)
    {
        Weight.Value.AsSpan().Fill(1f);
        Bias.Value.AsSpan().Clear();
        RunningMean.Value.AsSpan().Clear();
        RunningVar.Value.AsSpan().Fill(1f);
    }

    /// <summary>Throws when the sample shape is not one this variant accepts.</summary>
    protected abstract void CheckShape(TensorShape input);

    /// <inheritdoc />
    public override TensorShape GetOutputShape(TensorShape input)
    {
        CheckShape(input);
        return input;
    }

    /// <inheritdoc />
    public override Tensor Forward(Tensor input, bool training)
    {
        CheckShape(input.Shape);
        int perChannel = input.Rows * input.Shape.Height * input.Shape.Width;
        if (training && perChannel <= 1)
            throw new ArgumentException(
                $"{GetType().Name} needs more than 1 value per channel when training, got {input.Rows} sample(s) of shape {input.Shape}.");
        _output.Reshape(input.Rows, input.Shape);
        _input = input;
        _trainingForward = training;
        if (training)
        {
            _forward.Set(input, training: true);
        }
        else
        {
            for (int c = 0; c < Channels; c++)
            {
                _mean[c] = RunningMean.Value[c];
                _invStd[c] = (float)(1.0 / Math.Sqrt(RunningVar.Value[c] + Epsilon));
            }
            _forward.Set(input, training: false);
        }
        _forward.Run(Context.Pool, Channels);
        return _output;
    }

    /// <inheritdoc />
    public override Tensor Backward(Tensor outputGradient)
    {
        var input = _input ?? throw new InvalidOperationException($"{GetType().Name}.Backward called before Forward.");
        ExpectGradient(GetType().Name, _output, outputGradient);
        _inputGradient.Reshape(RequiresInputGradient ? input.Rows : 0, input.Shape);
        _backward.Set(input, outputGradient, RequiresInputGradient, _trainingForward);
        _backward.Run(Context.Pool, Channels);
        return _inputGradient;
    }

    // Σ (x − mean)² over a span, vectorised.
    private static double SquaredDeviation(ReadOnlySpan<float> x, float mean)
    {
        var sum = System.Numerics.Vector<float>.Zero;
        var m = new System.Numerics.Vector<float>(mean);
        int i = 0, width = System.Numerics.Vector<float>.Count;
        for (; i <= x.Length - width; i += width)
        {
            var d = new System.Numerics.Vector<float>(x.Slice(i, width)) - m;
            sum += d * d;
        }
        double total = System.Numerics.Vector.Sum(sum);
        for (; i < x.Length; i++) { double d = x[i] - mean; total += d * d; }
        return total;
    }

    // y = x·scale + shift, vectorised.
    private static void ScaleShift(ReadOnlySpan<float> x, float scale, float shift, Span<float> y)
    {
        var vs = new System.Numerics.Vector<float>(scale);
        var vb = new System.Numerics.Vector<float>(shift);
        int i = 0, width = System.Numerics.Vector<float>.Count;
        for (; i <= x.Length - width; i += width)
            (new System.Numerics.Vector<float>(x.Slice(i, width)) * vs + vb).CopyTo(y.Slice(i, width));
        for (; i < x.Length; i++) y[i] = x[i] * scale + shift;
    }

    /// <summary>Per channel: statistics (training), running-statistics update, and y = x·scale + shift.</summary>
    private sealed class ForwardWork(BatchNorm owner) : RangeWork
    {
        private Tensor _input = null!;
        private bool _training;

        public void Set(Tensor input, bool training) { _input = input; _training = training; }

        protected override void Process(int start, int end)
        {
            int n = _input.Rows, channels = owner.Channels, hw = _input.Shape.Height * _input.Shape.Width;
            var x = _input.Span;
            var y = owner._output.Span;
            long count = (long)n * hw;
            for (int c = start; c < end; c++)
            {
                if (_training)
                {
                    double sum = 0;
                    for (int i = 0; i < n; i++) sum += TensorPrimitives.Sum(x.Slice((i * channels + c) * hw, hw));
                    float mean = (float)(sum / count);
                    double squares = 0;
                    for (int i = 0; i < n; i++) squares += SquaredDeviation(x.Slice((i * channels + c) * hw, hw), mean);
                    double variance = squares / count;
                    owner._mean[c] = mean;
                    owner._invStd[c] = (float)(1.0 / Math.Sqrt(variance + owner.Epsilon));
                    double momentum = owner.Momentum;
                    var rm = owner.RunningMean.Value;
                    var rv = owner.RunningVar.Value;
                    rm[c] = (float)((1 - momentum) * rm[c] + momentum * mean);
                    rv[c] = (float)((1 - momentum) * rv[c] + momentum * (squares / (count - 1)));
                }
                float scale = owner.Weight.Value[c] * owner._invStd[c];
                float shift = owner.Bias.Value[c] - owner._mean[c] * scale;
                for (int i = 0; i < n; i++)
                {
                    int at = (i * channels + c) * hw;
                    ScaleShift(x.Slice(at, hw), scale, shift, y.Slice(at, hw));
                }
            }
        }
    }

    /// <summary>Per channel: dγ, dβ and (when wanted) the input gradient.</summary>
    private sealed class BackwardWork(BatchNorm owner) : RangeWork
    {
        private Tensor _input = null!, _gradient = null!;
        private bool _wantInput, _training;

        public void Set(Tensor input, Tensor gradient, bool wantInput, bool training)
        {
            _input = input; _gradient = gradient; _wantInput = wantInput; _training = training;
        }

        protected override void Process(int start, int end)
        {
            int n = _input.Rows, channels = owner.Channels, hw = _input.Shape.Height * _input.Shape.Width;
            var x = _input.Span;
            var dy = _gradient.Span;
            var dx = owner._inputGradient.Span;
            long count = (long)n * hw;
            for (int c = start; c < end; c++)
            {
                float mean = owner._mean[c], invStd = owner._invStd[c], gamma = owner.Weight.Value[c];
                double sumDy = 0, sumDyX = 0;
                for (int i = 0; i < n; i++)
                {
                    int at = (i * channels + c) * hw;
                    var g = dy.Slice(at, hw);
                    sumDy += TensorPrimitives.Sum(g);
                    sumDyX += TensorPrimitives.Dot(g, x.Slice(at, hw));
                }
                // dγ = Σ dy·x̂ with x̂ = (x − mean)·invStd; dβ = Σ dy.
                double dGamma = (sumDyX - mean * sumDy) * invStd;
                owner.Weight.Gradient[c] = (float)dGamma;
                owner.Bias.Gradient[c] = (float)sumDy;
                if (!_wantInput) continue;
                float k = gamma * invStd;
                if (!_training)
                {
                    // Running statistics are constants: dx = γ·invStd·dy.
                    for (int i = 0; i < n; i++)
                    {
                        int at = (i * channels + c) * hw;
                        TensorPrimitives.Multiply(dy.Slice(at, hw), k, dx.Slice(at, hw));
                    }
                    continue;
                }
                // dx = k·(dy − dβ/M − x̂·dγ/M) = k·dy + b·x + offset.
                float b = (float)(-k * invStd * dGamma / count);
                float offset = (float)(k * (mean * invStd * dGamma - sumDy) / count);
                for (int i = 0; i < n; i++)
                {
                    int at = (i * channels + c) * hw;
                    var target = dx.Slice(at, hw);
                    ScaleShift(dy.Slice(at, hw), k, offset, target);
                    TensorPrimitives.MultiplyAdd(x.Slice(at, hw), b, target, target);
                }
            }
        }
    }
}

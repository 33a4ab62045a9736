using System.Numerics;
using System.Numerics.Tensors;

namespace MLNetMarginLoss.Engine.Layers;

/// <summary>
/// Inverted dropout: in training each element is zeroed with probability <see cref="Probability"/> and the
/// survivors are scaled by 1/(1 − p), so inference is the identity. Masks come from a <see cref="SeededRandom"/>
/// forked from the one given to <see cref="Initialize"/>, so a network initialised with the same seed draws the
/// same masks. Backward multiplies by the mask of the last training forward.
/// <para>
/// Data-parallel training (<see cref="Window"/>): a process holding rows [first, first + n) of a global batch of
/// <c>total</c> rows draws the masks of the whole global batch from the same generator and keeps its rows' — the draws
/// of the other rows are made and skipped — so every row gets the mask one process would give it, and the generator
/// ends where it would. This costs total/n times the draws (a few milliseconds per step for the seed CNN on two
/// processes), which is what makes two processes × b rows compute exactly one process × 2b rows.
/// </para>
/// </summary>
internal sealed class Dropout : Layer
{
    private readonly Tensor _output = new(0, TensorShape.Vector(1));
    private readonly Tensor _inputGradient = new(0, TensorShape.Vector(1));
    private float[] _mask = [];
    private SeededRandom _random = new(0);
    private TensorShape _inputShape;
    private bool _trainingForward, _hasForward;

    /// <summary>Creates a dropout layer that drops each element with probability <paramref name="probability"/>.</summary>
    public Dropout(double probability = 0.5)
    {
        if (!(probability >= 0 && probability <= 1))
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "The dropout probability must lie in [0, 1].");
        Probability = probability;
    }

    /// <summary>The probability of zeroing an element.</summary>
    public double Probability { get; }

    /// <summary>
    /// The rows of the next training forward passes within a global batch: the first row's index and the global batch's
    /// rows. Null (the default): the input is the whole batch.
    /// </summary>
    public (int FirstRow, int TotalRows)? Window { get; set; }

    /// <summary>Seeds the mask generator with a generator forked from <paramref name="random"/>.</summary>
    public override void Initialize(SeededRandom random) => _random = random.Fork();

    /// <inheritdoc />
    public override void SeedRandomness(SeededRandom random) => _random = random.Fork();

    /// <inheritdoc />
    public override TensorShape GetOutputShape(TensorShape input) => input;

    /// <inheritdoc />
    public override Tensor Forward(Tensor input, bool training)
    {
        _inputShape = input.Shape;
        _hasForward = true;
        _trainingForward = training && Probability > 0;
        _output.Reshape(input.Rows, input.Shape);
        if (!_trainingForward)
        {
            input.Span.CopyTo(_output.Span);
            return _output;
        }
        int length = input.Length;
        if (_mask.Length < length) _mask = new float[Math.Max(length, _mask.Length * 2)];
        var mask = _mask.AsSpan(0, length);
        if (Probability >= 1)
        {
            mask.Clear();
        }
        else
        {
            // An element is kept when a uniform 32-bit draw is ≥ p·2³² (two draws per 64 random bits); the
            // draws are stored in the mask buffer and turned into 0 or 1/(1 − p) with vector compares.
            uint threshold = (uint)Math.Min(uint.MaxValue, Math.Round(Probability * 4294967296.0));
            float scale = (float)(1.0 / (1.0 - Probability));
            var bits = System.Runtime.InteropServices.MemoryMarshal.Cast<float, uint>(mask);
            if (Window is { } window)
            {
                long features = length / Math.Max(1, input.Rows);
                DrawWindow(bits, window.FirstRow * features, window.TotalRows * features);
            }
            else
            {
                var draws = System.Runtime.InteropServices.MemoryMarshal.Cast<float, ulong>(mask[..(length & ~1)]);
                for (int j = 0; j < draws.Length; j++) draws[j] = _random.NextUInt64();
                if (length % 2 == 1) bits[length - 1] = (uint)_random.NextUInt64();
            }
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                int width = Vector<uint>.Count;
                var limit = new Vector<uint>(threshold);
                var keep = new Vector<float>(scale);
                for (; i <= length - width; i += width)
                {
                    var kept = Vector.GreaterThanOrEqual(new Vector<uint>(bits.Slice(i, width)), limit);
                    Vector.ConditionalSelect(Vector.AsVectorSingle(kept), keep, Vector<float>.Zero).CopyTo(mask.Slice(i, width));
                }
            }
            for (; i < length; i++) mask[i] = bits[i] >= threshold ? scale : 0f;
        }
        TensorPrimitives.Multiply(input.Span, mask, _output.Span);
        return _output;
    }

    /// <summary>
    /// The 32-bit draws [<paramref name="start"/>, start + bits.Length) of a global mask of <paramref name="total"/>
    /// elements drawn as one process draws it (two per 64-bit draw, low half first, an odd last element on a draw of its
    /// own), consuming the generator for all of it.
    /// </summary>
    private void DrawWindow(Span<uint> bits, long start, long total)
    {
        long end = start + bits.Length, pairs = total / 2, j = 0;
        for (; j < pairs && 2 * j + 1 < start; j++) _random.NextUInt64();
        for (; j < pairs && 2 * j < end; j++)
        {
            ulong v = _random.NextUInt64();
            long k = 2 * j;
            if (k >= start) bits[(int)(k - start)] = (uint)v;
            if (k + 1 >= start && k + 1 < end) bits[(int)(k + 1 - start)] = (uint)(v >> 32);
        }
        for (; j < pairs; j++) _random.NextUInt64();
        if (total % 2 == 1)
        {
            ulong v = _random.NextUInt64();
            if (total - 1 >= start && total - 1 < end) bits[(int)(total - 1 - start)] = (uint)v;
        }
    }

    /// <inheritdoc />
    public override Tensor Backward(Tensor outputGradient)
    {
        if (!_hasForward) throw new InvalidOperationException("Dropout.Backward called before Forward.");
        ExpectGradient(nameof(Dropout), _output, outputGradient);
        if (!RequiresInputGradient) { _inputGradient.Reshape(0, _inputShape); return _inputGradient; }
        _inputGradient.Reshape(outputGradient.Rows, _inputShape);
        if (_trainingForward) TensorPrimitives.Multiply(outputGradient.Span, _mask.AsSpan(0, outputGradient.Length), _inputGradient.Span);
        else outputGradient.Span.CopyTo(_inputGradient.Span);
        return _inputGradient;
    }
}

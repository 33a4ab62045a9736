using System.Numerics.Tensors;

namespace MLNetMarginLoss.Engine.Losses;

/// <summary>
/// Mean softmax cross-entropy over a batch of logits, computed with log-sum-exp, and its gradient
/// (softmax − one-hot) / N. Owns its gradient buffer; nothing is allocated per call once warmed up.
/// </summary>
internal sealed class SoftmaxCrossEntropy
{
    private readonly Tensor _gradient = new(0, TensorShape.Vector(1));
    private float[] _row = [];

    /// <summary>The gradient with respect to the logits from the last <see cref="Forward(Tensor, ReadOnlySpan{int})"/> call.</summary>
    public Tensor Gradient => _gradient;

    /// <summary>Rows whose arg-max logit equals the label, in the last call.</summary>
    public int Correct { get; private set; }

    /// <summary>
    /// Returns the mean loss of <paramref name="logits"/> [N, C] against <paramref name="labels"/> and fills
    /// <see cref="Gradient"/>. Throws when a label is out of range; returns NaN/∞ when the logits are not finite.
    /// </summary>
    public double Forward(Tensor logits, ReadOnlySpan<int> labels) => Forward(logits, labels, _gradient);

    /// <summary>
    /// <see cref="Forward(Tensor, ReadOnlySpan{int})"/> that overwrites <paramref name="logits"/> with the gradient
    /// (saving a buffer of N × C floats for wide heads); <see cref="Gradient"/> is not touched.
    /// </summary>
    public double ForwardInPlace(Tensor logits, ReadOnlySpan<int> labels) => Forward(logits, labels, logits);

    /// <summary>
    /// The mean loss of the logits <paramref name="scale"/>·<paramref name="values"/> [N, C] (rounded to float, as a
    /// head's Predict rounds them) against <paramref name="labels"/>, computed exactly as <see cref="Forward(Tensor, ReadOnlySpan{int})"/>
    /// but through one reused row of scratch instead of a gradient buffer; <paramref name="correct"/> counts the rows
    /// whose arg-max is the label.
    /// </summary>
    public double LossOnly(Tensor values, ReadOnlySpan<int> labels, float scale, out int correct)
    {
        int n = values.Rows, c = values.RowSize;
        if (labels.Length != n) throw new ArgumentException($"Got {labels.Length} labels for {n} rows of logits.");
        if (_row.Length < c) _row = new float[c];
        var g = _row.AsSpan(0, c);
        double total = 0;
        correct = 0;
        for (int i = 0; i < n; i++)
        {
            int y = labels[i];
            if ((uint)y >= (uint)c) throw new ArgumentOutOfRangeException(nameof(labels), $"Label {y} at row {i} is outside [0, {c}).");
            TensorPrimitives.Multiply(values.Row(i), scale, g);
            int arg = TensorPrimitives.IndexOfMax(g);
            if (arg == y) correct++;
            float max = g[arg], target = g[y];
            TensorPrimitives.Subtract(g, max, g);
            TensorPrimitives.Exp(g, g);
            total += Math.Log(TensorPrimitives.Sum(g)) - (target - max);
        }
        return n == 0 ? 0 : total / n;
    }

    private double Forward(Tensor logits, ReadOnlySpan<int> labels, Tensor gradient)
    {
        int n = logits.Rows, c = logits.RowSize;
        if (labels.Length != n) throw new ArgumentException($"Got {labels.Length} labels for {n} rows of logits.");
        gradient.Reshape(n, logits.Shape);
        double total = 0;
        int correct = 0;
        float invN = n == 0 ? 0 : 1f / n;
        for (int i = 0; i < n; i++)
        {
            var z = logits.Row(i);
            var g = gradient.Row(i);
            int y = labels[i];
            if ((uint)y >= (uint)c) throw new ArgumentOutOfRangeException(nameof(labels), $"Label {y} at row {i} is outside [0, {c}).");
            int arg = TensorPrimitives.IndexOfMax(z);
            if (arg == y) correct++;
            float max = z[arg], target = z[y];
            TensorPrimitives.Subtract(z, max, g);
            TensorPrimitives.Exp(g, g);
            float sum = TensorPrimitives.Sum(g);
            total += Math.Log(sum) - (target - max);
            TensorPrimitives.Multiply(g, invN / sum, g);
            g[y] -= invN;
        }
        Correct = correct;
        return n == 0 ? 0 : total / n;
    }
}

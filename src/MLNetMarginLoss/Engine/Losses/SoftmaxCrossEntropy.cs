using System.Numerics.Tensors;

namespace MLNetMarginLoss.Engine.Losses;

/// <summary>
/// Mean softmax cross-entropy over a batch of logits, computed with log-sum-exp, and its gradient
/// (softmax − one-hot) / N. Owns its gradient buffer; nothing is allocated per call once warmed up.
/// </summary>
internal sealed class SoftmaxCrossEntropy
{
    private readonly Tensor _gradient = new(0, TensorShape.Vector(1));

    /// <summary>The gradient with respect to the logits from the last <see cref="Forward"/> call.</summary>
    public Tensor Gradient => _gradient;

    /// <summary>Rows whose arg-max logit equals the label, in the last call.</summary>
    public int Correct { get; private set; }

    /// <summary>
    /// Returns the mean loss of <paramref name="logits"/> [N, C] against <paramref name="labels"/> and fills
    /// <see cref="Gradient"/>. Throws when a label is out of range; returns NaN/∞ when the logits are not finite.
    /// </summary>
    public double Forward(Tensor logits, ReadOnlySpan<int> labels)
    {
        int n = logits.Rows, c = logits.RowSize;
        if (labels.Length != n) throw new ArgumentException($"Got {labels.Length} labels for {n} rows of logits.");
        _gradient.Reshape(n, logits.Shape);
        double total = 0;
        int correct = 0;
        float invN = n == 0 ? 0 : 1f / n;
        for (int i = 0; i < n; i++)
        {
            var z = logits.Row(i);
            var g = _gradient.Row(i);
            int y = labels[i];
            if ((uint)y >= (uint)c) throw new ArgumentOutOfRangeException(nameof(labels), $"Label {y} at row {i} is outside [0, {c}).");
            int arg = TensorPrimitives.IndexOfMax(z);
            if (arg == y) correct++;
            float max = z[arg];
            TensorPrimitives.Subtract(z, max, g);
            TensorPrimitives.Exp(g, g);
            float sum = TensorPrimitives.Sum(g);
            total += Math.Log(sum) - (z[y] - max);
            TensorPrimitives.Multiply(g, invN / sum, g);
            g[y] -= invN;
        }
        Correct = correct;
        return n == 0 ? 0 : total / n;
    }
}

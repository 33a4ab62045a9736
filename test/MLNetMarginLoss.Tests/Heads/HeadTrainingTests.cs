using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Losses;
using MLNetMarginLoss.Heads;

namespace MLNetMarginLoss.Tests.Heads;

/// <summary>Every head, trained together with free embeddings by plain gradient descent, separates a toy problem.</summary>
[TestClass]
public sealed class HeadTrainingTests
{
    [TestMethod]
    public void GradientDescentOnHeadAndEmbeddingsLowersTheLossAndSeparatesTheClasses()
    {
        const int n = 24, e = 3, c = 3, steps = 150;
        var labels = Enumerable.Range(0, n).Select(i => i % c).ToArray();
        var loss = new SoftmaxCrossEntropy();
        foreach (var name in HeadFactory.Names)
        {
            var random = new SeededRandom(17);
            var x = Tensor.FromRows(Enumerable.Range(0, n * e).Select(_ => random.Uniform(-1, 1)).ToArray(), n);
            var head = HeadFactory.Create(name, e, c, name == "softmax" ? null : new HeadOptions { Scale = 8, SubCenters = name == "subcenter" ? 2 : null });
            head.Initialize(random.Fork());
            double first = 0, last = 0;
            for (int step = 0; step < steps; step++)
            {
                double l = loss.Forward(head.Forward(x, labels, true), labels) + head.AuxiliaryLoss;
                Assert.IsTrue(double.IsFinite(l), $"{name}: loss became {l} at step {step}");
                if (step == 0) first = l;
                last = l;
                var dx = head.Backward(loss.Gradient);
                foreach (var p in head.Parameters)
                    for (int q = 0; q < p.Length; q++) p.Value[q] -= 0.5f * p.Gradient[q];
                if (head is CosineMarginHead)
                {
                    var w = head.WeightValues();
                    var g = head.WeightGradient();
                    for (int q = 0; q < w.Length; q++) w[q] -= 0.5f * g[q];
                }
                for (int q = 0; q < x.Length; q++) x.Span[q] -= 0.5f * n * dx.Span[q];
            }
            var scores = head.Predict(x);
            int correct = 0;
            for (int i = 0; i < n; i++)
                if (System.Numerics.Tensors.TensorPrimitives.IndexOfMax(scores.Row(i)) == labels[i]) correct++;
            Assert.IsTrue(last < first, $"{name}: loss {first:F3} → {last:F3} must fall");
            Assert.AreEqual(n, correct, $"{name}: label-free predictions after training ({first:F3} → {last:F3})");
        }
    }
}

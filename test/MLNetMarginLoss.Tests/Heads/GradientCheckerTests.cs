using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Heads;
using static MLNetMarginLoss.Tests.Heads.HeadMath;

namespace MLNetMarginLoss.Tests.Heads;

/// <summary>The gradient checker must fail on wrong derivatives, or its passes mean nothing.</summary>
[TestClass]
public sealed class GradientCheckerTests
{
    /// <summary>A margin with target φ(c) = c − 0.3c², reporting either the true derivative or a wrong one.</summary>
    private sealed class QuadraticTarget(int c, bool wrongDerivative) : MarginFunction("quadratic-test", c, 6, false)
    {
        public override HeadOptions GetOptions() => new();
        protected override double TargetValue(int row, double cosine, out double dCosine, out double dNorm)
        {
            dNorm = 0;
            dCosine = wrongDerivative ? 1 : 1 - 0.6 * cosine;
            return cosine - 0.3 * cosine * cosine;
        }
    }

    private static CosineMarginHead QuadraticTargetHead(int e, int c, bool wrongDerivative) =>
        new(new ClassCenters(c, 1, e), new QuadraticTarget(c, wrongDerivative));

    private static readonly float[] W = Rows(Polar(0.3, 1.2), Polar(2.2, 0.9), Polar(4.1, 1));
    private static readonly float[] X = Rows(Polar(0.8, 1.1), Polar(2.0, 0.7), Polar(3.9, 1.5), Polar(5.5, 1));
    private static readonly int[] Labels = [0, 1, 2, 0];

    [TestMethod]
    public void AcceptsTheTrueDerivative()
    {
        var result = GradientChecker.Check(QuadraticTargetHead(2, 3, false).WithWeights(W), X, 4, Labels);
        Assert.IsTrue(result.Passed, result.ToString());
    }

    [TestMethod]
    public void RejectsAWrongTargetDerivative()
    {
        var result = GradientChecker.Check(QuadraticTargetHead(2, 3, true).WithWeights(W), X, 4, Labels);
        Assert.IsFalse(result.Passed, "a wrong ∂φ/∂cos must be caught: " + result);
    }

    [TestMethod]
    public void RejectsAnInputGradientOffByFivePercent()
    {
        var head = TestHeads.NormSoftmax(2, 3, new HeadOptions { Scale = 6 }).WithWeights(W);
        Assert.IsTrue(GradientChecker.Check(head, X, 4, Labels).Passed);
        var result = GradientChecker.Check(head, X, 4, Labels, corruptInputGradient: dx =>
        {
            var copy = dx.Clone();
            foreach (ref var v in copy.Span) v *= 1.05f;
            return copy;
        });
        Assert.IsFalse(result.Passed, "a 5 % error must be caught: " + result);
    }

    [TestMethod]
    public void RejectsTheStraightThroughApproximation()
    {
        // Straight-through ArcFace deliberately back-propagates s·cos θ_y: correct values, inexact gradient.
        var exact = TestHeads.ArcFace(2, 3, new HeadOptions { Scale = 6, Margin = 0.5 }).WithWeights(W);
        var straight = TestHeads.ArcFace(2, 3, new HeadOptions { Scale = 6, Margin = 0.5, StraightThrough = true }).WithWeights(W);
        Assert.IsTrue(GradientChecker.Check(exact, X, 4, Labels).Passed);
        Assert.IsFalse(GradientChecker.Check(straight, X, 4, Labels).Passed);
    }
}

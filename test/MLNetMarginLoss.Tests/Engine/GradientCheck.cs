using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Kernels;
using MLNetMarginLoss.Engine.Layers;

namespace MLNetMarginLoss.Tests.Engine;

/// <summary>
/// The errors one gradient check found: per checked tensor, the worst relative error and the number of elements
/// whose finite-difference step crossed a kink (compared with the matching one-sided difference instead).
/// </summary>
internal sealed record GradientCheckReport(IReadOnlyList<(string Name, double Error, int Kinks)> Errors)
{
    /// <summary>The error of the input gradient.</summary>
    public double InputError => Errors.First(e => e.Name == GradientCheck.InputName).Error;

    /// <summary>The error of one parameter's gradient, by its hierarchical name.</summary>
    public double ParameterError(string name) => Errors.First(e => e.Name == name).Error;

    /// <summary>The worst error over everything checked.</summary>
    public double MaxError => Errors.Max(e => e.Error);

    /// <inheritdoc />
    public override string ToString()
        => string.Join(", ", Errors.Select(e => $"{e.Name}: {e.Error:G3}" + (e.Kinks > 0 ? $" ({e.Kinks} at kinks)" : "")));
}

/// <summary>
/// Finite-difference gradient checks for layers. The loss is L = Σ g·y for a fixed random upstream gradient g,
/// accumulated in double; its analytic gradient is what <see cref="Layer.Backward"/> returns (input) and writes
/// (parameters). Each input and parameter element is compared with the central difference
/// (L(v + h) − L(v − h)) / (actual step), with the layer running on the double-accumulating reference GEMM on
/// one thread so that the forward pass adds as little rounding noise as possible.
/// <para>
/// The error of one element is |a − f| / (max(|a|, |f|) + 0.01·max|f| + 1e-6): relative for large entries, with a
/// floor at 1 % of the tensor's largest gradient so that entries near zero do not amplify float noise. Where the
/// step crosses a kink (ReLU, max pooling), the forward and backward differences disagree, and the analytic value
/// is compared with the one-sided difference of the side the point lies on.
/// </para>
/// </summary>
internal static class GradientCheck
{
    /// <summary>The report name of the input gradient.</summary>
    public const string InputName = "input";

    /// <summary>The default pass threshold on <see cref="GradientCheckReport.MaxError"/>.</summary>
    public const double Tolerance = 1e-2;

    private static readonly Lazy<ComputeContext> LazyReference = new(() => ComputeContext.Create(GemmProvider.Reference, 1));

    /// <summary>Reference GEMM, one thread.</summary>
    public static ComputeContext ReferenceContext => LazyReference.Value;

    /// <summary>A tensor of uniform values in [−scale, scale).</summary>
    public static Tensor RandomTensor(int rows, TensorShape shape, int seed, float scale = 1f)
    {
        var random = new SeededRandom(seed);
        var t = new Tensor(rows, shape);
        foreach (ref var v in t.Span) v = random.Uniform(-scale, scale);
        return t;
    }

    /// <summary>
    /// A tensor whose values are a random permutation of evenly spaced levels ±(0.1 … 1.1): all distinct and at
    /// least 1/count apart and away from 0, so max-pooling winners and ReLU signs do not change under a small step.
    /// </summary>
    public static Tensor DistinctTensor(int rows, TensorShape shape, int seed)
    {
        var random = new SeededRandom(seed);
        var t = new Tensor(rows, shape);
        int n = t.Length;
        var order = Enumerable.Range(0, n).ToArray();
        random.Shuffle(order.AsSpan());
        for (int i = 0; i < n; i++)
        {
            float level = 0.1f + (float)order[i] / n;
            t.Span[i] = (order[i] & 1) == 0 ? level : -level;
        }
        return t;
    }

    /// <summary>
    /// Checks <paramref name="layer"/> at <paramref name="input"/> and returns the errors. Also checks that
    /// backward overwrites (rather than accumulates into) parameter gradients, and that with
    /// <see cref="Layer.RequiresInputGradient"/> false it returns no input gradient and the same parameter
    /// gradients. <paramref name="beforeForward"/> runs before every forward pass (e.g. to replay a dropout mask).
    /// </summary>
    public static GradientCheckReport Run(Layer layer, Tensor input, bool training = true, double step = 1e-3,
        int seed = 12345, Action? beforeForward = null)
    {
        layer.Context = ReferenceContext;
        layer.RequiresInputGradient = true;
        var parameters = layer.NamedState().Where(s => !s.IsBuffer).Select(s => (s.Name, s.Parameter)).ToList();

        beforeForward?.Invoke();
        var output = layer.Forward(input, training);
        var upstream = RandomTensor(output.Rows, output.Shape, seed);

        // Analytic gradients. Poison the parameter gradients first: a layer that accumulates would keep the NaN.
        foreach (var (_, p) in parameters) p.Gradient.AsSpan().Fill(float.NaN);
        var analyticInput = layer.Backward(upstream).Clone();
        var analyticParameters = parameters.Select(p => (float[])p.Parameter.Gradient.Clone()).ToList();
        if (analyticInput.Rows != input.Rows || analyticInput.Shape != input.Shape)
            throw new InvalidOperationException($"Backward returned {analyticInput} for input {input}.");

        // Without the input gradient: nothing returned, same parameter gradients.
        layer.RequiresInputGradient = false;
        beforeForward?.Invoke();
        layer.Forward(input, training);
        var skipped = layer.Backward(upstream);
        layer.RequiresInputGradient = true;
        if (skipped.Rows != 0)
            throw new InvalidOperationException($"With RequiresInputGradient = false, Backward returned {skipped} instead of an empty tensor.");
        for (int i = 0; i < parameters.Count; i++)
            if (!parameters[i].Parameter.Gradient.AsSpan().SequenceEqual(analyticParameters[i]))
                throw new InvalidOperationException($"Gradient of {parameters[i].Name} changed when the input gradient was not requested.");

        double Loss()
        {
            beforeForward?.Invoke();
            var y = layer.Forward(input, training);
            var ys = y.Span;
            var gs = upstream.Span;
            double sum = 0;
            for (int i = 0; i < ys.Length; i++) sum += (double)gs[i] * ys[i];
            return sum;
        }

        double lossAtPoint = Loss();
        var errors = new List<(string, double, int)>();
        var (inputError, inputKinks) = Compare(analyticInput.Span, Numeric(input.Length, i => ref input.Data[i], Loss, lossAtPoint, step));
        errors.Add((InputName, inputError, inputKinks));
        for (int k = 0; k < parameters.Count; k++)
        {
            var value = parameters[k].Parameter.Value;
            var (error, kinks) = Compare(analyticParameters[k], Numeric(value.Length, i => ref value[i], Loss, lossAtPoint, step));
            errors.Add((parameters[k].Name, error, kinks));
        }
        return new GradientCheckReport(errors);
    }

    /// <summary>Runs the check and fails the test when any error exceeds <paramref name="tolerance"/>.</summary>
    public static GradientCheckReport AssertPasses(Layer layer, Tensor input, bool training = true, double step = 1e-3,
        double tolerance = Tolerance, Action? beforeForward = null)
    {
        var report = Run(layer, input, training, step, beforeForward: beforeForward);
        Assert.IsLessThan(tolerance, report.MaxError, $"Gradient check of {layer.GetType().Name} failed: {report}");
        return report;
    }

    private delegate ref float Element(int index);

    // Central, forward and backward differences for every element. L at the unperturbed point is the same for
    // all elements, so it is computed once by the caller.
    private static (double[] Central, double[] Forward, double[] Backward) Numeric(int count, Element element,
        Func<double> loss, double lossAtPoint, double step)
    {
        var central = new double[count];
        var forward = new double[count];
        var backward = new double[count];
        for (int i = 0; i < count; i++)
        {
            ref float v = ref element(i);
            float saved = v;
            float up = (float)(saved + step), down = (float)(saved - step);
            v = up;
            double lossUp = loss();
            v = down;
            double lossDown = loss();
            v = saved;
            central[i] = (lossUp - lossDown) / ((double)up - down);
            forward[i] = (lossUp - lossAtPoint) / ((double)up - saved);
            backward[i] = (lossAtPoint - lossDown) / ((double)saved - down);
        }
        loss(); // leave the layer's caches as they were for the unperturbed values
        return (central, forward, backward);
    }

    // The worst element error, and how many elements sat next to a kink.
    private static (double Error, int Kinks) Compare(ReadOnlySpan<float> analytic,
        (double[] Central, double[] Forward, double[] Backward) numeric)
    {
        var (central, forward, backward) = numeric;
        double scale = central.Length == 0 ? 0 : central.Max(Math.Abs);
        double Error(double a, double f) => Math.Abs(a - f) / (Math.Max(Math.Abs(a), Math.Abs(f)) + 0.01 * scale + 1e-6);
        double worst = 0;
        int kinks = 0;
        for (int i = 0; i < central.Length; i++)
        {
            double a = analytic[i];
            double error = Error(a, central[i]);
            // A kink (ReLU, max) inside [v − h, v + h] shows as one-sided differences that disagree; the analytic
            // gradient is then the one-sided derivative of the side the point lies on. For smooth functions the
            // one-sided differences agree with the central one, so a wrong gradient is not excused.
            if (Error(forward[i], backward[i]) > 0.05)
            {
                kinks++;
                error = Math.Min(error, Math.Min(Error(a, forward[i]), Error(a, backward[i])));
            }
            if (double.IsNaN(error)) return (double.PositiveInfinity, kinks);
            worst = Math.Max(worst, error);
        }
        return (worst, kinks);
    }
}

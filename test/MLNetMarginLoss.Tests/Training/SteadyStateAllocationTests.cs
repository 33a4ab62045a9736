using MLNetMarginLoss.Encoders;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Kernels;
using MLNetMarginLoss.Engine.Losses;
using MLNetMarginLoss.Engine.Optimizers;
using MLNetMarginLoss.Heads;

namespace MLNetMarginLoss.Tests.Training;

/// <summary>DESIGN §4: no allocation in the steady-state training step (buffers are owned and reused).</summary>
[TestClass]
public sealed class SteadyStateAllocationTests
{
    [TestMethod]
    [DataRow(EncoderKind.Mlp, HeadKind.ArcFace)]
    [DataRow(EncoderKind.Cnn, HeadKind.CosFace)]
    [DataRow(EncoderKind.ResNet, HeadKind.SubCenter)]
    public void TrainingStepAllocatesNothingAfterWarmUp(EncoderKind kind, HeadKind headKind)
    {
        using var ctx = ComputeContext.Create(GemmProvider.Managed, 1); // one thread: all work is on this thread
        var encoder = Encoder.Build(new EncoderSpec { Kind = kind, InputShape = new(1, 28, 28), EmbeddingSize = 16, StageWidths = [8, 16] }, new SeededRandom(1));
        encoder.Context = ctx;
        var head = HeadFactory.Create(headKind, 16, 10, new HeadOptions { Scale = 16 });
        head.Context = ctx;
        head.Initialize(new SeededRandom(2));
        var optimizer = new Adam([new ParameterGroup(encoder.Network.AllParameters().ToList()), new ParameterGroup(head.Parameters.ToList())]);
        var centres = ((CosineMarginHead)head).Centers;
        centres.Context = ctx;
        var rows = new RowOptimizer(optimizer, centres.Weight, 1f);
        RowOptimizer.GradientRows gradientRow = centres.GradientRow; // made once, as the engine's session does
        var loss = new SoftmaxCrossEntropy();
        var x = new Tensor(8, new TensorShape(1, 28, 28));
        var rnd = new SeededRandom(3);
        foreach (ref var v in x.Span) v = rnd.NextFloat();
        int[] labels = [0, 1, 2, 3, 4, 5, 6, 7];

        void Step()
        {
            var logits = head.Forward(encoder.Forward(x, training: true), labels, training: true);
            loss.Forward(logits, labels);
            encoder.Backward(head.Backward(loss.Gradient));
            optimizer.Step();
            rows.Step(centres.GradientRows, gradientRow);
        }
        for (int i = 0; i < 3; i++) Step();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++) Step();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.AreEqual(0L, allocated, $"{kind} + {headKind}: {allocated} bytes allocated in 5 steady-state steps");
    }
}

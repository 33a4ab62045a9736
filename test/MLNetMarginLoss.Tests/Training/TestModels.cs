using MLNetMarginLoss.Encoders;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Heads;
using MLNetMarginLoss.Training;

namespace MLNetMarginLoss.Tests.Training;

/// <summary>Small, fast trainer configurations shared by the training tests.</summary>
internal static class TestModels
{
    /// <summary>
    /// A small MLP (784-128-32) with the given head, trained a couple of epochs at a constant learning rate: the tests'
    /// thresholds were measured so, and runs this short (16 steps an epoch on 2,000 rows) train further at a constant
    /// rate than with the cosine default (2 epochs: validation accuracy 0.726 against 0.670).
    /// </summary>
    public static ArcFaceTrainer.Options SmallMlp(HeadKind head = HeadKind.ArcFace, int epochs = 2, long seed = 1, HeadOptions? headOptions = null) => new()
    {
        Head = head,
        HeadOptions = Applicable(head, headOptions ?? new HeadOptions { Scale = 16, Margin = head == HeadKind.CosFace ? 0.2 : 0.3 }),
        Encoder = new EncoderSpec { Kind = EncoderKind.Mlp, HiddenSizes = [128], EmbeddingSize = 32 },
        MaxEpoch = epochs,
        BatchSize = 128,
        LearningRate = 2e-3f,
        Schedule = ScheduleKind.Constant,
        Seed = seed,
        Threads = 2,
    };

    /// <summary>A copy of <paramref name="options"/> keeping only what <paramref name="head"/> uses (the others are refused by the heads).</summary>
    public static HeadOptions Applicable(HeadKind head, HeadOptions options)
    {
        var used = HeadOptionRules.UsedBy(head);
        var copy = options.Clone();
        if (!used.Contains(nameof(HeadOptions.Scale))) copy.Scale = null;
        if (!used.Contains(nameof(HeadOptions.Margin))) copy.Margin = null;
        if (!used.Contains(nameof(HeadOptions.SubCenters))) copy.SubCenters = null;
        if (!used.Contains(nameof(HeadOptions.EasyMargin))) copy.EasyMargin = false;
        if (!used.Contains(nameof(HeadOptions.StraightThrough))) copy.StraightThrough = false;
        foreach (var option in copy.Options())
            if (!used.Contains(option)) throw new ArgumentException($"Test options set {option}, which the {head} head does not use.");
        return copy;
    }

    /// <summary>The trained head's class centres (the plain softmax head's weight).</summary>
    public static float[] HeadWeight(ArcFaceTransformer model) => model.Network.Head is CosineMarginHead cosine
        ? cosine.Centers.Weight.Page(0)
        : model.Network.Head.Parameters[0].Value;

    /// <summary>Accuracy of a model on labelled data (predictions do not read the labels).</summary>
    public static double Accuracy(ArcFaceTransformer model, MLNetMarginLoss.Data.Dataset data)
    {
        var p = model.Network.Transform(data);
        int correct = 0;
        for (int i = 0; i < data.Count; i++) if (p.PredictedLabel[i] == data.Labels![i]) correct++;
        return (double)correct / data.Count;
    }

    /// <summary>Saves a trained transformer as a standard ML.NET model, as an application would.</summary>
    public static void Save(ArcFaceTransformer model, string path) => new Microsoft.ML.MLContext(0).Model.Save(model, null, path);

    /// <summary>Fluent <see cref="Save"/>.</summary>
    public static void SaveTo(this ArcFaceTransformer model, string path) => Save(model, path);

    /// <summary>All encoder and head weights flattened, for equality checks.</summary>
    public static float[] Weights(ArcFaceTransformer model) =>
        model.Network.Encoder.Network.NamedState().SelectMany(s => s.Parameter.Value)
            .Concat(model.Network.Head.Parameters.SelectMany(p => p.Value)).ToArray();
}

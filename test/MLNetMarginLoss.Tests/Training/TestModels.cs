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
        HeadOptions = headOptions ?? new HeadOptions { Scale = 16, Margin = head == HeadKind.CosFace ? 0.2 : 0.3 },
        Encoder = new EncoderSpec { Kind = EncoderKind.Mlp, HiddenSizes = [128], EmbeddingSize = 32 },
        MaxEpoch = epochs,
        BatchSize = 128,
        LearningRate = 2e-3f,
        Schedule = ScheduleKind.Constant,
        Seed = seed,
        Threads = 2,
    };

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

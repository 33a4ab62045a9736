using MLNetMarginLoss.Encoders;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Heads;
using MLNetMarginLoss.Training;

namespace MLNetMarginLoss.Tests.Training;

/// <summary>Small, fast trainer configurations shared by the training tests.</summary>
internal static class TestModels
{
    /// <summary>A small MLP (784-128-32) with the given head, trained a couple of epochs.</summary>
    public static ArcFaceTrainerOptions SmallMlp(HeadKind head = HeadKind.ArcFace, int epochs = 2, long seed = 1, HeadOptions? headOptions = null) => new()
    {
        Head = head,
        HeadOptions = headOptions ?? new HeadOptions { Scale = 16, Margin = head == HeadKind.CosFace ? 0.2 : 0.3 },
        Encoder = new EncoderSpec { Kind = EncoderKind.Mlp, HiddenSizes = [128], EmbeddingSize = 32 },
        Epochs = epochs,
        BatchSize = 128,
        LearningRate = 2e-3f,
        Seed = seed,
        Threads = 2,
    };

    /// <summary>Accuracy of a model on labelled data (predictions do not read the labels).</summary>
    public static double Accuracy(MarginModel model, MLNetMarginLoss.Data.Dataset data)
    {
        var p = model.Transform(data);
        int correct = 0;
        for (int i = 0; i < data.Count; i++) if (p.PredictedLabel[i] == data.Labels![i]) correct++;
        return (double)correct / data.Count;
    }

    /// <summary>All encoder and head weights flattened, for equality checks.</summary>
    public static float[] Weights(MarginModel model) =>
        model.Encoder.Network.NamedState().SelectMany(s => s.Parameter.Value)
            .Concat(model.Head.Parameters.SelectMany(p => p.Value)).ToArray();
}

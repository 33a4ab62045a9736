using MLNetMarginLoss.Data;
using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Training;

/// <summary>
/// The estimator: fits an encoder and a margin head (ArcFace by default; every head of the family is
/// available through <see cref="ArcFaceTrainerOptions.Head"/>) on labelled data and returns a
/// <see cref="MarginModel"/> that adds Score, PredictedLabel and Embedding columns.
/// </summary>
public sealed class ArcFaceTrainer
{
    /// <summary>Creates a trainer; the options are validated here.</summary>
    public ArcFaceTrainer(ArcFaceTrainerOptions? options = null)
    {
        Options = options ?? new ArcFaceTrainerOptions();
        Options.Validate();
    }

    /// <summary>The options this trainer uses.</summary>
    public ArcFaceTrainerOptions Options { get; }

    /// <summary>
    /// Trains on <paramref name="trainingData"/> (labels required, at least two classes). With
    /// <paramref name="validationData"/>, every epoch records the validation loss and accuracy, and early stopping
    /// and the plateau schedule use them.
    /// </summary>
    /// <exception cref="ArgumentException">The data has no labels, one class, or shapes that do not match.</exception>
    /// <exception cref="TrainingDivergedException">The loss or the weights became NaN or infinite.</exception>
    public MarginModel Fit(Dataset trainingData, Dataset? validationData = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(trainingData);
        CheckTrainingData(trainingData);
        if (validationData is not null)
        {
            CheckValidationData(trainingData, validationData);
            if (validationData.FeatureShape != trainingData.FeatureShape) // same size: e.g. flat CSV rows of images
                validationData = new Dataset(validationData.Features, trainingData.FeatureShape, validationData.Labels, validationData.ClassNames, validationData.Source);
        }
        if (Options.EarlyStoppingPatience > 0 && validationData is null)
            throw new ArgumentException("Early stopping needs validation data: pass it to Fit or set EarlyStoppingPatience to 0.");
        if (Options.Schedule == ScheduleKind.ReduceOnPlateau && validationData is null)
            throw new ArgumentException("The reduce-on-plateau schedule needs validation data.");
        using var context = ComputeContext.Create(Options.GemmProvider, Options.Threads);
        var run = new TrainingRun(Options, trainingData, validationData, context, cancellation);
        var model = run.Execute();
        model.Encoder.Context = ComputeContext.Default;
        model.Head.Context = ComputeContext.Default;
        return model;
    }

    private static void CheckTrainingData(Dataset data)
    {
        if (!data.HasLabels) throw new ArgumentException($"{data.Source}: training needs a label column, and this data has none.");
        if (data.Count < 2) throw new ArgumentException($"{data.Source}: training needs at least 2 rows, found {data.Count}.");
        var present = data.Labels!.Distinct().Count();
        if (present < 2) throw new ArgumentException($"{data.Source}: training needs at least 2 classes, found only '{data.ClassNames[data.Labels![0]]}'.");
        if (!System.Numerics.Tensors.TensorPrimitives.IsFiniteAll(data.Features.AsSpan()))
        {
            int i = Array.FindIndex(data.Features, v => !float.IsFinite(v));
            throw new ArgumentException($"{data.Source}: row {i / data.RowSize + 1}, feature {i % data.RowSize + 1}: expected a finite number, found {data.Features[i]}.");
        }
    }

    private static void CheckValidationData(Dataset train, Dataset validation)
    {
        if (!validation.HasLabels) throw new ArgumentException($"{validation.Source}: validation data needs a label column.");
        if (validation.FeatureShape.Size != train.FeatureShape.Size)
            throw new ArgumentException($"{validation.Source}: validation samples have {validation.FeatureShape.Size} values ({validation.FeatureShape}), training samples {train.FeatureShape.Size} ({train.FeatureShape}).");
        if (!validation.ClassNames.SequenceEqual(train.ClassNames))
            throw new ArgumentException($"{validation.Source}: validation classes [{string.Join(", ", validation.ClassNames.Take(5))}…] differ from the training classes [{string.Join(", ", train.ClassNames.Take(5))}…]; map them to the same class list.");
    }
}

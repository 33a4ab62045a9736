using System.Numerics.Tensors;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Data;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.MLNet;
using MLNetMarginLoss.Training;

namespace MLNetMarginLoss;

/// <summary>
/// An ML.NET estimator that trains an encoder with a margin head (ArcFace by default; every head of the family is
/// available through <see cref="Options.Head"/> and the catalog's per-head methods, e.g.
/// <c>mlContext.MulticlassClassification.Trainers.CosFace(…)</c>) on an <see cref="IDataView"/>.
/// <para>
/// Input: a key label column (<see cref="Options.LabelColumnName"/>; add
/// <c>mlContext.Transforms.Conversion.MapValueToKey</c> for raw labels) and a known-size vector of Single
/// (<see cref="Options.FeatureColumnName"/>); image encoders take [C, H, W] from the column's dimensions or
/// <see cref="Options.ImageShape"/>. <c>Fit</c> returns an <see cref="ArcFaceTransformer"/> that adds
/// Score (softmax of s·cos θ, no margin), PredictedLabel (a key with the training label's values, of their type) and
/// Embedding (L2-normalised) — Embedding only for an embedding model (<see cref="Options.SaveClassifier"/>) — and that
/// <c>mlContext.Model.Save</c> writes as a standard ML.NET model.
/// </para>
/// </summary>
public sealed partial class ArcFaceTrainer : IEstimator<ArcFaceTransformer>
{
    private readonly Options _options;

    /// <summary>Creates the trainer; the options are validated here and copied, so later changes to them do not leak in.</summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names it and the fix.</exception>
    public ArcFaceTrainer(Options? options = null)
    {
        _options = (options ?? new Options()).Clone();
        _options.Validate();
    }

    /// <summary>A copy of the options this trainer uses.</summary>
    public Options TrainerOptions => _options.Clone();

    /// <summary>
    /// Checks that <paramref name="inputSchema"/> has the label and feature columns this trainer needs and returns
    /// the schema the trained transformer will produce.
    /// </summary>
    /// <exception cref="ArgumentException">A column is missing or has the wrong type; the message says how to fix it.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var o = _options;
        InputColumns.CheckLabel(InputColumns.Find(inputSchema, o.LabelColumnName), o.LabelColumnName, inputSchema);
        InputColumns.CheckFeatures(InputColumns.Find(inputSchema, o.FeatureColumnName), o.FeatureColumnName, inputSchema);
        return InputColumns.OutputShape(inputSchema, o.FeatureColumnName, o.LabelColumnName, o.ScoreColumnName, o.PredictionColumnName, o.EmbeddingColumnName);
    }

    /// <summary>
    /// Reads <paramref name="input"/> (and <see cref="Options.ValidationSet"/>), trains on the backend the options
    /// name, and returns the trained transformer.
    /// </summary>
    /// <exception cref="ArgumentException">The data is unusable (wrong column types, NaN or ∞, fewer than 2 rows or 2 classes, a validation label key that differs); the message names the row and column.</exception>
    /// <exception cref="TrainingDivergedException">The loss or the weights became NaN or infinite.</exception>
    public ArcFaceTransformer Fit(IDataView input) => Fit(input, CancellationToken.None);

    /// <summary><see cref="Fit(IDataView)"/> that stops between batches when <paramref name="cancellation"/> fires.</summary>
    public ArcFaceTransformer Fit(IDataView input, CancellationToken cancellation)
    {
        ArgumentNullException.ThrowIfNull(input);
        var o = _options;
        InputColumns.Check(input.Schema, o.LabelColumnName, o.FeatureColumnName, "training data");
        var shape = InputColumns.SampleShape(input.Schema, o);
        var train = DataViewReader.Read(input, o.FeatureColumnName, o.LabelColumnName, shape, "training data", requireLabels: true, allowSparse: true);
        Dataset? validation = null;
        if (o.ValidationSet is { } v)
        {
            InputColumns.Check(v.Schema, o.LabelColumnName, o.FeatureColumnName, "validation set");
            validation = DataViewReader.Read(v, o.FeatureColumnName, o.LabelColumnName, shape, "validation set", requireLabels: true, allowSparse: true);
        }
        return Fit(train, validation, cancellation, LabelKeyValues.Read(input.Schema[o.LabelColumnName]));
    }

    /// <summary>
    /// Trains on rows already in the engine's contiguous form (the path <see cref="Fit(IDataView)"/> takes after
    /// reading its input; used directly by tests and benchmarks of the training loop).
    /// </summary>
    internal ArcFaceTransformer Fit(Dataset train, Dataset? validation = null, CancellationToken cancellation = default, LabelKeyValues? classValues = null)
    {
        var o = _options;
        CheckTrainingData(train);
        CheckSparse(train, o);
        if (validation is not null) CheckSparse(validation, o);
        if (validation is not null)
        {
            if (!validation.ClassNames.SequenceEqual(train.ClassNames))
                throw new ArgumentException($"{validation.Source}: column '{o.LabelColumnName}' has the key values [{Preview(validation.ClassNames)}], the training data [{Preview(train.ClassNames)}]; map both with the same MapValueToKey transformer (fit it on the training data, then transform the validation data with it).");
            if (validation.FeatureShape.Size != train.FeatureShape.Size)
                throw new ArgumentException($"{validation.Source}: rows have {validation.FeatureShape.Size} features, the training data {train.FeatureShape.Size}.");
            if (validation.FeatureShape != train.FeatureShape)
                validation = validation.WithFeatureShape(train.FeatureShape);
        }
        if (o.EarlyStoppingPatience > 0 && validation is null)
            throw new ArgumentException("EarlyStoppingPatience needs a ValidationSet: set Options.ValidationSet or set EarlyStoppingPatience to 0.");
        if (o.Schedule == ScheduleKind.ReduceOnPlateau && validation is null)
            throw new ArgumentException("The ReduceOnPlateau schedule needs a ValidationSet: set Options.ValidationSet or choose another schedule.");
        if (o.InitialModel is { } start && start.Network.InputShape.Size != train.FeatureShape.Size)
            throw new ArgumentException($"InitialModel takes {start.Network.InputShape.Size} features ({start.Network.InputShape}), the training rows have {train.FeatureShape.Size} ({train.FeatureShape}).");

        var backend = o.Backend ?? EngineBackend.Instance;
        var network = backend.Train(new TrainingJob(o.ToSettings(), train, validation, cancellation));
        return new ArcFaceTransformer(network, ColumnNames.From(o), backend.ToString(), classValues, o.SaveClassifier);
    }

    private static void CheckTrainingData(Dataset data)
    {
        if (!data.HasLabels) throw new ArgumentException($"{data.Source}: training needs a label column, and this data has none.");
        if (data.Sparse is { } sparse && !TensorPrimitives.IsFiniteAll(sparse.Values.AsSpan(0, (int)sparse.NonZeros)))
        {
            int p = Array.FindIndex(sparse.Values, f => !float.IsFinite(f));
            int row = Array.BinarySearch(sparse.RowOffsets, (long)p);
            row = row >= 0 ? row : ~row - 1;
            while (sparse.RowOffsets[row + 1] == p) row++;
            throw new ArgumentException($"{data.Source}: row {row + 1}, feature {sparse.Indices[p] + 1}: expected a finite number, found {sparse.Values[p]}.");
        }
        if (!data.IsSparse && !TensorPrimitives.IsFiniteAll(data.Features.AsSpan()))
        {
            int i = Array.FindIndex(data.Features, f => !float.IsFinite(f));
            throw new ArgumentException($"{data.Source}: row {i / data.RowSize + 1}, feature {i % data.RowSize + 1}: expected a finite number, found {data.Features[i]}.");
        }
        if (data.Count < 2) throw new ArgumentException($"{data.Source}: training needs at least 2 rows, found {data.Count}.");
        var present = new bool[data.ClassCount];
        int distinct = 0;
        foreach (var l in data.Labels!) if (!present[l]) { present[l] = true; distinct++; }
        if (distinct < 2)
            throw new ArgumentException($"{data.Source}: training needs at least 2 classes, every row is '{data.ClassNames[data.Labels![0]]}'.");
    }

    /// <summary>Sparse rows train only an encoder whose first layer is Linear (the MLP), without image augmentation.</summary>
    private static void CheckSparse(Dataset data, Options o)
    {
        if (data.Sparse is not { } sparse) return;
        string what = $"{data.Source}: column '{o.FeatureColumnName}' holds sparse rows ({data.RowSize:N0} features, {sparse.Density:P2} stored, as ML.NET's FeaturizeText gives)";
        if (o.Encoder.Kind != EncoderKind.Mlp)
            throw new ArgumentException($"{what}; the {o.Encoder.Kind} encoder takes dense images [C, H, W], and only the MLP encoder (first layer Linear) takes sparse rows. Use Encoder = new EncoderSpec {{ Kind = EncoderKind.Mlp }} for such features.");
        if (o.Augmentation is { IsIdentity: false })
            throw new ArgumentException($"{what}; image augmentation cannot be applied to them. Set Options.Augmentation to null.");
    }

    private static string Preview(IReadOnlyList<string> names) => string.Join(", ", names.Take(5)) + (names.Count > 5 ? ", …" : "");
}

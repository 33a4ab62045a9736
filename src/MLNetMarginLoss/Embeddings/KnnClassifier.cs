using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Embeddings;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.MLNet;

namespace MLNetMarginLoss;

/// <summary>
/// An ML.NET estimator for cosine k-nearest-neighbour classification of embeddings:
/// <c>mlContext.MulticlassClassification.Trainers.KnnClassifier(options)</c>. <see cref="Fit"/> stores a labelled
/// gallery (its embedding column and key label column) and returns a <see cref="KnnTransformer"/> that adds Score
/// (per-class vote share), PredictedLabel (a key with the gallery label's values; key 0 = unknown in open-set mode) and
/// Similarity (the best cosine). New classes are recognised by adding their examples to the gallery; nothing is retrained.
/// <para>
/// Built from a trained <see cref="ArcFaceTransformer"/> (<c>mlContext.MulticlassClassification.Trainers.KnnClassifier(model, …)</c>),
/// the gallery is the model's class centres instead — one row per centre (per sub-centre for SubCenter heads),
/// labelled with its class — and Fit only checks the embedding column: nothing of the input is stored or read. With
/// k = 1 that is the head's own decision, the class of the most similar centre (arg-max over classes of s·cos θ,
/// sub-centres maxed), which is how a model with too many classes for one ONNX graph classifies
/// (<see cref="ArcFaceTransformer.IsEmbeddingModel"/>).
/// </para>
/// </summary>
public sealed partial class KnnClassifier : IEstimator<KnnTransformer>
{
    private readonly Options _options;
    private readonly Lazy<KnnTransformer>? _centres;

    /// <summary>Creates the estimator; the options are validated here and copied.</summary>
    /// <exception cref="ArgumentException">An option is out of range or two columns share a name; the message says which.</exception>
    public KnnClassifier(Options? options = null)
    {
        _options = (options ?? new Options()).Clone();
        _options.Validate();
    }

    /// <summary>The estimator whose gallery is <paramref name="model"/>'s class centres.</summary>
    /// <exception cref="ArgumentException">An option is out of range, or the model has no class centres (the softmax head, or an embedding model read back from a file).</exception>
    internal KnnClassifier(ArcFaceTransformer model, Options options) : this(options)
    {
        ArgumentNullException.ThrowIfNull(model);
        var (rows, subCenters) = model.ClassCenters();
        var o = _options.Clone();
        _centres = new(() =>
        {
            int c = model.ClassNames.Count, n = c * subCenters;
            var labels = new int[n];
            for (int i = 0; i < n; i++) labels[i] = i / subCenters;
            var index = new KnnIndex(rows.Span, model.EmbeddingSize, labels, c, o.K, o.Voting, o.SimilarityThreshold);
            return new KnnTransformer(index, model.ClassValues, o);
        });
    }

    /// <summary>A copy of the options this estimator uses.</summary>
    public Options ClassifierOptions => _options.Clone();

    /// <summary>Checks the gallery's embedding and label columns and returns the schema the transformer will produce.</summary>
    /// <exception cref="ArgumentException">A column is missing or has the wrong type; the message says how to fix it.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var o = _options;
        if (_centres is not null)
        {
            // Over a model's centres the input needs no label: the columns added are the transformer's own.
            InputColumns.CheckFeatures(InputColumns.Find(inputSchema, o.FeatureColumnName), o.FeatureColumnName, inputSchema);
            return _centres.Value.GetOutputSchema(inputSchema);
        }
        InputColumns.CheckLabel(InputColumns.Find(inputSchema, o.LabelColumnName), o.LabelColumnName, inputSchema);
        InputColumns.CheckFeatures(InputColumns.Find(inputSchema, o.FeatureColumnName), o.FeatureColumnName, inputSchema);
        // Score and Similarity are vectors of Single, PredictedLabel a key like the label (see InputColumns.OutputShape).
        return InputColumns.OutputShape(inputSchema, o.FeatureColumnName, o.LabelColumnName, o.ScoreColumnName, o.PredictionColumnName, embedding: o.SimilarityColumnName);
    }

    /// <summary>
    /// Reads the gallery (every row of <paramref name="input"/>) and returns the classifier over it; built from a model's
    /// class centres, checks the embedding column of <paramref name="input"/> and returns the classifier over the centres.
    /// </summary>
    /// <exception cref="ArgumentException">The gallery is empty, a column has the wrong type, a label is missing (key 0) or an embedding is not finite.</exception>
    public KnnTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var o = _options;
        if (_centres is not null)
        {
            var knn = _centres.Value;
            knn.CheckInput(input.Schema);
            return knn;
        }
        InputColumns.Check(input.Schema, o.LabelColumnName, o.FeatureColumnName, "The gallery");
        int d = ((VectorDataViewType)input.Schema[o.FeatureColumnName].Type).Size;
        var gallery = DataViewReader.Read(input, o.FeatureColumnName, o.LabelColumnName, TensorShape.Vector(d), "gallery", requireLabels: true);
        if (gallery.Count == 0) throw new ArgumentException("The gallery has no rows; k-NN needs labelled embeddings to vote with.");
        var index = new KnnIndex(gallery.Features, d, gallery.Labels!, gallery.ClassCount, o.K, o.Voting, o.SimilarityThreshold);
        return new KnnTransformer(index, LabelKeyValues.Read(input.Schema[o.LabelColumnName]), o.Clone());
    }
}

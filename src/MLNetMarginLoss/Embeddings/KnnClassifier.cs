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
/// </summary>
public sealed partial class KnnClassifier : IEstimator<KnnTransformer>
{
    private readonly Options _options;

    /// <summary>Creates the estimator; the options are validated here and copied.</summary>
    /// <exception cref="ArgumentException">An option is out of range or two columns share a name; the message says which.</exception>
    public KnnClassifier(Options? options = null)
    {
        _options = (options ?? new Options()).Clone();
        _options.Validate();
    }

    /// <summary>A copy of the options this estimator uses.</summary>
    public Options ClassifierOptions => _options.Clone();

    /// <summary>Checks the gallery's embedding and label columns and returns the schema the transformer will produce.</summary>
    /// <exception cref="ArgumentException">A column is missing or has the wrong type; the message says how to fix it.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var o = _options;
        InputColumns.CheckLabel(InputColumns.Find(inputSchema, o.LabelColumnName), o.LabelColumnName, inputSchema);
        InputColumns.CheckFeatures(InputColumns.Find(inputSchema, o.FeatureColumnName), o.FeatureColumnName, inputSchema);
        // Score and Similarity are vectors of Single, PredictedLabel a key like the label (see InputColumns.OutputShape).
        return InputColumns.OutputShape(inputSchema, o.FeatureColumnName, o.LabelColumnName, o.ScoreColumnName, o.PredictionColumnName, embedding: o.SimilarityColumnName);
    }

    /// <summary>Reads the gallery (every row of <paramref name="input"/>) and returns the classifier over it.</summary>
    /// <exception cref="ArgumentException">The gallery is empty, a column has the wrong type, a label is missing (key 0) or an embedding is not finite.</exception>
    public KnnTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var o = _options;
        InputColumns.Check(input.Schema, o.LabelColumnName, o.FeatureColumnName, "The gallery");
        int d = ((VectorDataViewType)input.Schema[o.FeatureColumnName].Type).Size;
        var gallery = DataViewReader.Read(input, o.FeatureColumnName, o.LabelColumnName, TensorShape.Vector(d), "gallery", requireLabels: true);
        if (gallery.Count == 0) throw new ArgumentException("The gallery has no rows; k-NN needs labelled embeddings to vote with.");
        var index = new KnnIndex(gallery.Features, d, gallery.Labels!, gallery.ClassCount, o.K, o.Voting, o.SimilarityThreshold);
        return new KnnTransformer(index, gallery.ClassNames, o.Clone());
    }
}

namespace MLNetMarginLoss;

/// <summary>
/// The starting point of the API, in the spirit of ML.NET's context object: catalogs of data loaders,
/// trainers (one entry per margin head), embedding and nearest-neighbour components, evaluators and model I/O.
/// The seed given here is used by every trainer created from the context unless its options set another.
/// </summary>
/// <example>
/// <code>
/// var ctx = new MarginContext(seed: 1);
/// var train = ctx.Data.LoadFashionMnist(limit: 10_000);
/// var model = ctx.Trainers.ArcFace(scale: 30, margin: 0.5).Fit(train);
/// var metrics = ctx.Evaluation.Evaluate(model.Transform(ctx.Data.LoadFashionMnist(test: true)));
/// model.Save("model.zip");
/// </code>
/// </example>
public sealed class MarginContext
{
    /// <summary>Creates a context whose trainers use <paramref name="seed"/>.</summary>
    public MarginContext(long seed = 0)
    {
        Seed = seed;
        Data = new DataCatalog();
        Trainers = new TrainersCatalog(this);
        Embeddings = new EmbeddingsCatalog();
        Evaluation = new EvaluationCatalog();
        Model = new ModelCatalog();
    }

    /// <summary>The seed trainers created from this context use.</summary>
    public long Seed { get; }

    /// <summary>Data loading: arrays, user classes, CSV, IDX, image folders, Fashion-MNIST.</summary>
    public DataCatalog Data { get; }

    /// <summary>Trainers: ArcFace, CosFace, SphereFace, … — all return an <see cref="Training.ArcFaceTrainer"/>.</summary>
    public TrainersCatalog Trainers { get; }

    /// <summary>Embedding extraction and nearest-neighbour classification.</summary>
    public EmbeddingsCatalog Embeddings { get; }

    /// <summary>Classification, retrieval and verification metrics.</summary>
    public EvaluationCatalog Evaluation { get; }

    /// <summary>Saving and loading models.</summary>
    public ModelCatalog Model { get; }
}

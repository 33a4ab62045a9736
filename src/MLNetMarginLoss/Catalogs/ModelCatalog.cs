using MLNetMarginLoss.Training;

namespace MLNetMarginLoss;

/// <summary>Saving and loading models as one .zip.</summary>
public sealed class ModelCatalog
{
    internal ModelCatalog() { }

    /// <summary>Saves atomically (temporary file, then rename).</summary>
    public void Save(MarginModel model, string path) => model.Save(path);

    /// <summary>Loads a model; a truncated, corrupt, foreign or newer file raises one clear <see cref="Persistence.ModelFormatException"/>.</summary>
    public MarginModel Load(string path) => MarginModel.Load(path);
}

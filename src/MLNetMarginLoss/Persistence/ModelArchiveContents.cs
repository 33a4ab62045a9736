using System.Text.Json;
using System.Text.Json.Nodes;

namespace MLNetMarginLoss.Persistence;

/// <summary>
/// What <see cref="ModelArchive.Load(string)"/> read: the caller's manifest payload and the named tensors.
/// Deconstructs as <c>var (manifest, tensors) = ModelArchive.Load(path);</c>.
/// </summary>
internal sealed class ModelArchiveContents
{
    internal ModelArchiveContents(string source, JsonObject manifest, IReadOnlyDictionary<string, (int[] Shape, float[] Data)> tensors,
        int formatVersion, string libraryVersion, IReadOnlyDictionary<string, string> weightsMetadata)
    {
        Source = source;
        Manifest = manifest;
        Tensors = tensors;
        FormatVersion = formatVersion;
        LibraryVersion = libraryVersion;
        WeightsMetadata = weightsMetadata;
    }

    /// <summary>The file (or stream description) the contents came from.</summary>
    public string Source { get; }

    /// <summary>The JSON payload the saving code passed to <see cref="ModelArchive.Save(string, JsonObject, IReadOnlyList{NamedTensor}, IReadOnlyDictionary{string, string})"/>.</summary>
    public JsonObject Manifest { get; }

    /// <summary>The tensors by name: shape (outermost first) and row-major values.</summary>
    public IReadOnlyDictionary<string, (int[] Shape, float[] Data)> Tensors { get; }

    /// <summary>The archive format version the file was written with.</summary>
    public int FormatVersion { get; }

    /// <summary>The library version that wrote the file.</summary>
    public string LibraryVersion { get; }

    /// <summary>The safetensors <c>__metadata__</c> map of the weights file.</summary>
    public IReadOnlyDictionary<string, string> WeightsMetadata { get; }

    /// <summary>The tensor called <paramref name="name"/>, checked against an expected shape when one is given.</summary>
    /// <exception cref="ModelFormatException">The tensor is missing or has another shape.</exception>
    public float[] GetTensor(string name, params int[] expectedShape)
    {
        if (!Tensors.TryGetValue(name, out var t))
            throw new ModelFormatException(Source, $"has no tensor '{name}' (it has {string.Join(", ", Tensors.Keys.Select(k => $"'{k}'"))}).");
        if (expectedShape.Length > 0 && !expectedShape.AsSpan().SequenceEqual(t.Shape))
            throw new ModelFormatException(Source, $"tensor '{name}' has shape [{string.Join(", ", t.Shape)}], expected [{string.Join(", ", expectedShape)}].");
        return t.Data;
    }

    /// <summary>The manifest payload deserialised into <typeparamref name="T"/>.</summary>
    /// <exception cref="ModelFormatException">The payload does not match <typeparamref name="T"/>.</exception>
    public T ManifestAs<T>(JsonSerializerOptions? options = null)
    {
        try
        {
            return Manifest.Deserialize<T>(options ?? ModelArchive.JsonOptions)
                ?? throw new ModelFormatException(Source, $"manifest payload is null, expected a {typeof(T).Name}.");
        }
        catch (JsonException e) { throw new ModelFormatException(Source, $"manifest payload does not match {typeof(T).Name}: {e.Message}", e); }
    }

    /// <summary>Deconstructs into the manifest payload and the tensors.</summary>
    public void Deconstruct(out JsonObject manifest, out IReadOnlyDictionary<string, (int[] Shape, float[] Data)> tensors)
    {
        manifest = Manifest;
        tensors = Tensors;
    }
}

using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MLNetMarginLoss.Persistence;

/// <summary>
/// The model file: one <c>.zip</c> holding <c>manifest.json</c> (format name and version, library version, a SHA-256
/// of the weights and the caller's JSON payload under <c>"model"</c>) and <c>weights.safetensors</c> (stored
/// uncompressed, readable by Python's safetensors). <see cref="Save(string, JsonObject, IReadOnlyList{NamedTensor}, IReadOnlyDictionary{string, string})"/>
/// is atomic: it writes a temporary file in the target directory, flushes it to disk and renames it over the target,
/// so a failed save leaves any previous file untouched. <see cref="Load(string)"/> refuses truncated, corrupt,
/// foreign or newer-format files with <see cref="ModelFormatException"/> and nothing else.
/// </summary>
internal static class ModelArchive
{
    /// <summary>The format version this library writes and the newest it reads.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>The value of the manifest's <c>format</c> field that marks a model of this library.</summary>
    public const string FormatName = "mlnet-margin-model";

    /// <summary>The manifest's entry name in the archive.</summary>
    public const string ManifestEntry = "manifest.json";

    /// <summary>The weights' entry name in the archive.</summary>
    public const string WeightsEntry = "weights.safetensors";

    /// <summary>The largest manifest accepted (bytes).</summary>
    public const int MaxManifestBytes = 16 << 20;

    /// <summary>JSON options used for record payloads: camelCase names, indented.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The version of this library, as written into manifests.</summary>
    public static string LibraryVersion { get; } = ReadLibraryVersion();

    /// <summary>Saves a model atomically. <paramref name="manifest"/> is the caller's payload (encoder and head spec, class names, …).</summary>
    /// <exception cref="ArgumentException">A tensor is malformed (empty or repeated name, data length not matching its shape).</exception>
    public static void Save(string path, JsonObject manifest, IReadOnlyList<(string Name, int[] Shape, float[] Data)> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        Save(path, manifest, tensors.Select(t => new NamedTensor(t.Name, t.Shape, t.Data)).ToArray(), weightsMetadata: null);
    }

    /// <summary>Saves a model atomically with a serialisable record (or any object) as the manifest payload.</summary>
    public static void SaveRecord<TPayload>(string path, TPayload payload, IReadOnlyList<NamedTensor> tensors)
    {
        var node = JsonSerializer.SerializeToNode(payload, JsonOptions) as JsonObject
            ?? throw new ArgumentException($"The payload must serialise to a JSON object; {typeof(TPayload).Name} does not.", nameof(payload));
        Save(path, node, tensors, weightsMetadata: null);
    }

    /// <summary>Saves a model atomically.</summary>
    /// <exception cref="ArgumentException">A tensor is malformed (empty or repeated name, data length not matching its shape).</exception>
    public static void Save(string path, JsonObject manifest, IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string>? weightsMetadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(manifest);
        byte[] weights = SafeTensorsWriter.ToBytes(tensors, weightsMetadata); // validates the tensors before any file is touched
        AtomicFile.Write(path, fs => Write(fs, manifest, weights));
    }

    /// <summary>Writes a model archive to a stream (not atomic; prefer the path overload for files).</summary>
    public static void Save(Stream destination, JsonObject manifest, IReadOnlyList<NamedTensor> tensors, IReadOnlyDictionary<string, string>? weightsMetadata = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(manifest);
        Write(destination, manifest, SafeTensorsWriter.ToBytes(tensors, weightsMetadata));
    }

    private static void Write(Stream destination, JsonObject payload, byte[] weights)
    {
        var root = new JsonObject
        {
            ["format"] = FormatName,
            ["formatVersion"] = CurrentFormatVersion,
            ["libraryVersion"] = LibraryVersion,
            ["weights"] = new JsonObject
            {
                ["entry"] = WeightsEntry,
                ["bytes"] = weights.LongLength,
                ["sha256"] = Convert.ToHexStringLower(SHA256.HashData(weights)),
            },
            ["model"] = payload.DeepClone(),
        };
        using var zip = new ZipArchive(destination, ZipArchiveMode.Create, leaveOpen: true);
        var manifestEntry = zip.CreateEntry(ManifestEntry, CompressionLevel.Optimal);
        using (var s = manifestEntry.Open())
        using (var json = new Utf8JsonWriter(s, new JsonWriterOptions { Indented = true }))
            root.WriteTo(json, JsonOptions);
        var weightsEntry = zip.CreateEntry(WeightsEntry, CompressionLevel.NoCompression);
        using (var s = weightsEntry.Open()) s.Write(weights);
    }

    /// <summary>Loads a model file.</summary>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="ModelFormatException">The file is truncated, corrupt, not a model of this library or of a newer format.</exception>
    public static ModelArchiveContents Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: model file not found.", path);
        byte[] bytes;
        try
        {
            long length = new FileInfo(path).Length;
            if (length > Array.MaxLength) throw new ModelFormatException(path, $"is {length} bytes, larger than the {Array.MaxLength}-byte limit.");
            bytes = File.ReadAllBytes(path);
        }
        catch (IOException e) { throw new ModelFormatException(path, $"cannot be read: {e.Message}", e); }
        return Load(bytes, path);
    }

    /// <summary>Loads a model from a stream; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="ModelFormatException">The bytes are truncated, corrupt, not a model of this library or of a newer format.</exception>
    public static ModelArchiveContents Load(Stream stream, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var ms = new MemoryStream();
        stream.CopyTo(ms);
        return Load(ms.ToArray(), source);
    }

    /// <summary>Loads a model from its bytes; <paramref name="source"/> names them in error messages.</summary>
    /// <exception cref="ModelFormatException">The bytes are truncated, corrupt, not a model of this library or of a newer format.</exception>
    public static ModelArchiveContents Load(byte[] bytes, string source)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        source ??= "model";
        try
        {
            return Parse(bytes, source);
        }
        catch (InvalidDataException e)
        {
            throw new ModelFormatException(source, $"is not a readable zip archive (truncated or corrupt): {e.Message}", e);
        }
        catch (Exception e) when (e is not ModelFormatException and not OutOfMemoryException)
        {
            throw new ModelFormatException(source, $"is corrupt ({e.GetType().Name}: {e.Message})", e);
        }
    }

    private static ModelArchiveContents Parse(byte[] bytes, string source)
    {
        if (bytes.Length == 0) throw new ModelFormatException(source, "is empty (0 bytes); expected a model .zip.");
        if (bytes.Length < 4 || bytes[0] != (byte)'P' || bytes[1] != (byte)'K')
            throw new ModelFormatException(source, $"is not a model archive: expected a .zip (starting with 'PK'), found bytes {Convert.ToHexString(bytes.AsSpan(0, Math.Min(4, bytes.Length)))}.");
        ZipArchive zip;
        try { zip = new ZipArchive(new MemoryStream(bytes, writable: false), ZipArchiveMode.Read); }
        catch (InvalidDataException e) { throw new ModelFormatException(source, $"is not a readable zip archive (truncated or corrupt): {e.Message}", e); }
        using (zip)
        {
            var manifestEntry = zip.GetEntry(ManifestEntry)
                ?? throw new ModelFormatException(source, $"is not an MLNetMarginLoss model: the archive has no {ManifestEntry}.");
            byte[] manifestBytes = ReadEntry(source, manifestEntry, MaxManifestBytes, bytes.Length);
            JsonObject root;
            try
            {
                root = JsonNode.Parse(manifestBytes, documentOptions: new JsonDocumentOptions { MaxDepth = 256 }) as JsonObject
                    ?? throw new ModelFormatException(source, $"{ManifestEntry} is not a JSON object.");
            }
            catch (JsonException e) { throw new ModelFormatException(source, $"{ManifestEntry} is not valid JSON: {e.Message}", e); }

            string? format = TryString(root["format"]);
            if (format != FormatName)
                throw new ModelFormatException(source, $"is not an MLNetMarginLoss model: {ManifestEntry} has format '{format ?? "(none)"}', expected '{FormatName}'.");
            if (root["formatVersion"] is not JsonValue v || !v.TryGetValue(out int version))
                throw new ModelFormatException(source, $"{ManifestEntry} has no integer formatVersion.");
            if (version > CurrentFormatVersion)
                throw new ModelFormatException(source, $"was written with model format version {version}, newer than the {CurrentFormatVersion} this library ({LibraryVersion}) reads; upgrade MLNetMarginLoss.");
            if (version < 1) throw new ModelFormatException(source, $"has an invalid format version {version}.");
            string libraryVersion = TryString(root["libraryVersion"]) ?? "unknown";
            if (root["model"] is not JsonObject payload)
                throw new ModelFormatException(source, $"{ManifestEntry} has no \"model\" object.");
            string? sha = TryString(root["weights"]?["sha256"]);
            if (sha is null) throw new ModelFormatException(source, $"{ManifestEntry} has no weights.sha256 checksum.");

            var weightsEntry = zip.GetEntry(WeightsEntry)
                ?? throw new ModelFormatException(source, $"the archive has no {WeightsEntry}.");
            byte[] weights = ReadEntry(source, weightsEntry, Array.MaxLength, bytes.Length);
            string actual = Convert.ToHexStringLower(SHA256.HashData(weights));
            if (!string.Equals(actual, sha, StringComparison.OrdinalIgnoreCase))
                throw new ModelFormatException(source, $"{WeightsEntry} is corrupt: its SHA-256 is {actual}, the manifest expects {sha}.");

            SafeTensorsContents contents;
            try { contents = SafeTensorsReader.Read(weights, WeightsEntry); }
            catch (ModelFormatException e) { throw new ModelFormatException(source, e.Message, e); }

            var tensors = new Dictionary<string, (int[] Shape, float[] Data)>(StringComparer.Ordinal);
            foreach (var t in contents.Tensors) tensors.Add(t.Name, (t.Shape, t.Data));
            root.Remove("model");
            return new ModelArchiveContents(source, payload, tensors, version, libraryVersion, contents.Metadata);
        }
    }

    private static string? TryString(JsonNode? node) => node is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    /// <summary>Reads an entry whole, refusing declared sizes that the archive could not hold.</summary>
    private static byte[] ReadEntry(string source, ZipArchiveEntry entry, int limit, int archiveLength)
    {
        long declared = entry.Length;
        // Deflate expands at most ~1032:1; a stored entry cannot be larger than the archive itself.
        long plausible = Math.Min(limit, Math.Max(archiveLength, entry.CompressedLength) * 1100L);
        if (declared < 0 || declared > plausible || entry.CompressedLength > archiveLength)
            throw new ModelFormatException(source, $"entry {entry.FullName} declares {declared} bytes ({entry.CompressedLength} compressed), which a {archiveLength}-byte archive cannot hold.");
        var buffer = new byte[declared];
        using var s = entry.Open();
        int read = 0;
        while (read < buffer.Length)
        {
            int n = s.Read(buffer, read, buffer.Length - read);
            if (n == 0) throw new ModelFormatException(source, $"entry {entry.FullName} is truncated: {read} of {declared} bytes.");
            read += n;
        }
        Span<byte> extra = stackalloc byte[1];
        if (s.Read(extra) != 0) throw new ModelFormatException(source, $"entry {entry.FullName} holds more than its declared {declared} bytes.");
        return buffer;
    }

    private static string ReadLibraryVersion()
    {
        var asm = typeof(ModelArchive).Assembly;
        string? info = asm.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (!string.IsNullOrEmpty(info)) return info.Split('+')[0];
        return asm.GetName().Version?.ToString(3) ?? "0.0.0";
    }
}

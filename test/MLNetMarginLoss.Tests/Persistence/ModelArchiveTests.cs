using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Persistence;

namespace MLNetMarginLoss.Tests.Persistence;

[TestClass]
public sealed class ModelArchiveTests
{
    private string _dir = "";

    [TestInitialize]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("model-archive-tests-").FullName;

    [TestCleanup]
    public void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    private static JsonObject Payload() => new()
    {
        ["encoder"] = new JsonObject { ["kind"] = "mlp", ["hidden"] = new JsonArray(64, 32) },
        ["head"] = new JsonObject { ["kind"] = "arcface", ["scale"] = 64.0, ["margin"] = 0.5 },
        ["classNames"] = new JsonArray("T-shirt/top", "Trouser"),
    };

    private static (string Name, int[] Shape, float[] Data)[] Tensors() =>
    [
        ("encoder.0.weight", [3, 2], [1f, 2f, 3f, 4f, 5f, 6f]),
        ("encoder.0.bias", [3], [-1f, 0f, 1f]),
        ("head.weight", [2, 3], [0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f]),
    ];

    private static byte[] ValidBytes()
    {
        using var ms = new MemoryStream();
        ModelArchive.Save(ms, Payload(), Tensors().Select(t => new NamedTensor(t.Name, t.Shape, t.Data)).ToArray());
        return ms.ToArray();
    }

    [TestMethod]
    public void RoundTripKeepsManifestAndTensors()
    {
        string path = Path.Combine(_dir, "model.zip");
        ModelArchive.Save(path, Payload(), Tensors());
        var (manifest, tensors) = ModelArchive.Load(path);
        Assert.IsTrue(JsonNode.DeepEquals(Payload(), manifest), manifest.ToJsonString());
        Assert.HasCount(3, tensors);
        foreach (var (name, shape, data) in Tensors())
        {
            CollectionAssert.AreEqual(shape, tensors[name].Shape, name);
            CollectionAssert.AreEqual(data, tensors[name].Data, name);
        }
        var contents = ModelArchive.Load(path);
        Assert.AreEqual(ModelArchive.CurrentFormatVersion, contents.FormatVersion);
        Assert.AreEqual(ModelArchive.LibraryVersion, contents.LibraryVersion);
        CollectionAssert.AreEqual(new[] { -1f, 0f, 1f }, contents.GetTensor("encoder.0.bias", 3));
        StringAssert.Contains(Assert.ThrowsExactly<ModelFormatException>(() => contents.GetTensor("missing")).Message, "has no tensor 'missing'");
        StringAssert.Contains(Assert.ThrowsExactly<ModelFormatException>(() => contents.GetTensor("encoder.0.bias", 4)).Message, "expected [4]");
    }

    private sealed record HeadSpec(string Kind, double Scale, string[] ClassNames);

    [TestMethod]
    public void RecordPayloadRoundTrips()
    {
        string path = Path.Combine(_dir, "record.zip");
        ModelArchive.SaveRecord(path, new HeadSpec("cosface", 30, ["a", "b"]), [new NamedTensor("w", [1], [2f])]);
        var loaded = ModelArchive.Load(path).ManifestAs<HeadSpec>();
        Assert.AreEqual("cosface", loaded.Kind);
        Assert.AreEqual(30.0, loaded.Scale);
        CollectionAssert.AreEqual(new[] { "a", "b" }, loaded.ClassNames);
    }

    [TestMethod]
    public void ArchiveHoldsManifestAndPythonReadableWeights()
    {
        string path = Path.Combine(_dir, "layout.zip");
        ModelArchive.Save(path, Payload(), Tensors());
        using var zip = ZipFile.OpenRead(path);
        CollectionAssert.AreEquivalent(new[] { "manifest.json", "weights.safetensors" }, zip.Entries.Select(e => e.FullName).ToArray());
        var root = JsonNode.Parse(zip.GetEntry("manifest.json")!.Open())!.AsObject();
        Assert.AreEqual("mlnet-margin-model", (string?)root["format"]);
        Assert.AreEqual(1, (int?)root["formatVersion"]);
        var weightsEntry = zip.GetEntry("weights.safetensors")!;
        Assert.AreEqual(weightsEntry.Length, weightsEntry.CompressedLength, "weights are stored, not deflated");
        using var ms = new MemoryStream();
        weightsEntry.Open().CopyTo(ms);
        Assert.AreEqual(Convert.ToHexStringLower(SHA256.HashData(ms.ToArray())), (string?)root["weights"]!["sha256"]);
        Assert.HasCount(3, SafeTensorsReader.Read(ms.ToArray(), "weights").Tensors);
    }

    [TestMethod]
    public void SaveOverwritesAndLeavesNoTemporaryFiles()
    {
        string path = Path.Combine(_dir, "model.zip");
        ModelArchive.Save(path, Payload(), Tensors());
        ModelArchive.Save(path, new JsonObject { ["v"] = 2 }, [("x", [1], [7f])]);
        var (manifest, tensors) = ModelArchive.Load(path);
        Assert.AreEqual(2, (int?)manifest["v"]);
        Assert.AreEqual(7f, tensors["x"].Data[0]);
        CollectionAssert.AreEqual(new[] { "model.zip" }, Directory.GetFiles(_dir).Select(Path.GetFileName).ToArray());
    }

    private sealed class Exploding
    {
        public int Fine => 1;
        public int Boom => throw new InvalidOperationException("payload failed mid-write");
    }

    [TestMethod]
    public void FailingSaveLeavesThePreviousFileIntact()
    {
        string path = Path.Combine(_dir, "model.zip");
        ModelArchive.Save(path, Payload(), Tensors());
        byte[] before = File.ReadAllBytes(path);

        // Fails while the manifest is being written into the temporary file.
        var exploding = new JsonObject { ["ok"] = 1, ["bad"] = JsonValue.Create(new Exploding()) };
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => ModelArchive.Save(path, exploding, Tensors()));
        StringAssert.Contains(ex.Message, "mid-write");
        CollectionAssert.AreEqual(before, File.ReadAllBytes(path));

        // Fails validation before any file is touched.
        Assert.ThrowsExactly<ArgumentException>(() => ModelArchive.Save(path, Payload(), [("w", [2, 2], new float[3])]));
        CollectionAssert.AreEqual(before, File.ReadAllBytes(path));

        CollectionAssert.AreEqual(new[] { "model.zip" }, Directory.GetFiles(_dir).Select(Path.GetFileName).ToArray(), "no temporary files left");
        Assert.HasCount(3, ModelArchive.Load(path).Tensors);
    }

    [TestMethod]
    public void MissingFileIsFileNotFound()
    {
        Assert.ThrowsExactly<FileNotFoundException>(() => ModelArchive.Load(Path.Combine(_dir, "nope.zip")));
    }

    [TestMethod]
    public void RefusesForeignTruncatedCorruptAndNewerFilesWithOneExceptionType()
    {
        string path = Path.Combine(_dir, "bad.zip");
        void Expect(byte[] bytes, string fragment)
        {
            File.WriteAllBytes(path, bytes);
            var ex = Assert.ThrowsExactly<ModelFormatException>(() => ModelArchive.Load(path));
            StringAssert.StartsWith(ex.Message, path + ": ");
            StringAssert.Contains(ex.Message, fragment);
        }

        var valid = ValidBytes();
        Expect([], "is empty");
        Expect("hello, this is text"u8.ToArray(), "expected a .zip");
        Expect(valid.AsSpan(0, valid.Length / 2).ToArray(), "zip archive (truncated or corrupt)");
        Expect(TestZip.Of(("readme.txt", "hi"u8.ToArray())), "no manifest.json");
        Expect(TestZip.Of(("manifest.json", "{\"format\":\"other\"}"u8.ToArray())), "has format 'other'");
        Expect(TestZip.Of(("manifest.json", "not json"u8.ToArray())), "manifest.json is not valid JSON");

        string manifest = ReadEntry(valid, "manifest.json");
        byte[] weights = Encoding.Latin1.GetBytes(ReadEntry(valid, "weights.safetensors", latin1: true));
        var newer = JsonNode.Parse(manifest)!.AsObject();
        newer["formatVersion"] = 2;
        Expect(TestZip.Of(("manifest.json", Encoding.UTF8.GetBytes(newer.ToJsonString())), ("weights.safetensors", weights)), "newer than the 1");

        var damaged = (byte[])weights.Clone();
        damaged[^1] ^= 0x40;
        Expect(TestZip.Of(("manifest.json", Encoding.UTF8.GetBytes(manifest)), ("weights.safetensors", damaged)), "SHA-256");
        Expect(TestZip.Of(("manifest.json", Encoding.UTF8.GetBytes(manifest))), "no weights.safetensors");
    }

    [TestMethod]
    public void ThousandsOfRandomMutationsEitherLoadOrFailCleanly()
    {
        var valid = ValidBytes();
        string manifest = ReadEntry(valid, "manifest.json");
        byte[] weights = Encoding.Latin1.GetBytes(ReadEntry(valid, "weights.safetensors", latin1: true));
        var rng = new SeededRandom(777);
        int loaded = 0, rejected = 0;
        var unexpected = new List<string>();
        for (int i = 0; i < 1500; i++)
        {
            byte[] mutated;
            string what;
            switch (rng.NextInt(3))
            {
                case 0: // damage the zip file itself
                    mutated = FuzzMutations.Mutate(valid, rng, out what);
                    break;
                case 1: // damage the weights but fix up the checksum, so the safetensors validation is what decides
                {
                    var w = FuzzMutations.Mutate(weights, rng, out what);
                    var m = JsonNode.Parse(manifest)!.AsObject();
                    m["weights"]!["sha256"] = Convert.ToHexStringLower(SHA256.HashData(w));
                    mutated = TestZip.Of(("manifest.json", Encoding.UTF8.GetBytes(m.ToJsonString())), ("weights.safetensors", w));
                    what = "weights: " + what;
                    break;
                }
                default: // damage the manifest text inside a well-formed zip
                    mutated = TestZip.Of(("manifest.json", FuzzMutations.Mutate(Encoding.UTF8.GetBytes(manifest), rng, out what)), ("weights.safetensors", weights));
                    what = "manifest: " + what;
                    break;
            }
            try { ModelArchive.Load(mutated, "fuzz.zip"); loaded++; }
            catch (ModelFormatException e) { rejected++; StringAssert.StartsWith(e.Message, "fuzz.zip: "); }
            catch (Exception e) { unexpected.Add($"#{i} {what}: {e.GetType().Name}: {e.Message}"); }
        }
        Assert.IsEmpty(unexpected, string.Join("\n", unexpected.Take(10)));
        Assert.IsGreaterThan(500, rejected);
        Assert.IsGreaterThan(0, loaded, "harmless edits (manifest whitespace, unused zip fields) should still load");
    }

    private static string ReadEntry(byte[] archive, string name, bool latin1 = false)
    {
        using var zip = new ZipArchive(new MemoryStream(archive), ZipArchiveMode.Read);
        using var reader = new StreamReader(zip.GetEntry(name)!.Open(), latin1 ? Encoding.Latin1 : Encoding.UTF8);
        return reader.ReadToEnd();
    }
}

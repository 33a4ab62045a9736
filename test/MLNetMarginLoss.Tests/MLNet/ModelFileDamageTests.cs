using System.IO.Compression;
using Google.Protobuf;
using Microsoft.ML;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Onnx;
using MLNetMarginLoss.Tests.Persistence;
using MLNetMarginLoss.Tests.Training;

namespace MLNetMarginLoss.Tests.MLNet;

/// <summary>Damaged, truncated and foreign model files give one clear <see cref="ModelFormatException"/> naming the file.</summary>
[TestClass]
public sealed class ModelFileDamageTests
{
    private static readonly Lazy<byte[]> SavedZip = new(() =>
    {
        var ml = new MLContext(0);
        var model = new ArcFaceTrainer(TestModels.SmallMlp(epochs: 1)).Fit(FashionMnist.Train(200));
        using var ms = new MemoryStream();
        ml.Model.Save(model, null, ms);
        return ms.ToArray();
    });

    private static string Write(byte[] bytes)
    {
        string path = Path.Combine(Path.GetTempPath(), $"mlnet-margin-damage-{Guid.NewGuid():N}.zip");
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static ModelFormatException LoadFails(byte[] bytes)
    {
        string path = Write(bytes);
        try
        {
            var e = Assert.ThrowsExactly<ModelFormatException>(() => ArcFaceTransformer.Load(path));
            StringAssert.StartsWith(e.Message, path + ": ");
            Assert.DoesNotContain("\n", e.Message);
            return e;
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void IntactModelLoads()
    {
        string path = Write(SavedZip.Value);
        try { Assert.HasCount(10, ArcFaceTransformer.Load(path).ClassNames); }
        finally { File.Delete(path); }
    }

    [TestMethod]
    public void TruncatedFileIsRefused() => StringAssert.Contains(LoadFails(SavedZip.Value.AsSpan(0, SavedZip.Value.Length / 2).ToArray()).Message, "not a valid zip");

    [TestMethod]
    public void MissingFileIsRefused()
    {
        var e = Assert.ThrowsExactly<ModelFormatException>(() => ArcFaceTransformer.Load("/nonexistent/model.zip"));
        StringAssert.StartsWith(e.Message, "/nonexistent/model.zip: ");
    }

    [TestMethod]
    public void FileThatIsNotAModelIsRefused()
    {
        StringAssert.Contains(LoadFails("hello, world"u8.ToArray()).Message, "damaged");
        StringAssert.Contains(LoadFails(TestZip.Of(("readme.txt", "hi"u8.ToArray()))).Message, "holds no ONNX model");
    }

    [TestMethod]
    public void CorruptOnnxEntryIsRefused()
    {
        var onnx = Entry(SavedZip.Value, out string entryName);
        var garbage = onnx.ToArray();
        for (int i = 0; i < garbage.Length; i += 7) garbage[i] ^= 0x5A;
        var e = LoadFails(Replace(SavedZip.Value, entryName, garbage));
        StringAssert.Contains(e.Message, "ONNX");
        var wrongLength = Replace(SavedZip.Value, entryName, onnx, lengthDelta: 3);
        StringAssert.Contains(LoadFails(wrongLength).Message, "damaged");
    }

    [TestMethod]
    public void ThousandsOfMutationsGiveOnlyTheClearError()
    {
        var zip = SavedZip.Value;
        var onnx = Entry(zip, out string entryName);
        var rng = new SeededRandom(42);
        int rejected = 0, loaded = 0;
        var unexpected = new List<string>();
        for (int i = 0; i < 1500; i++)
        {
            byte[] mutated;
            string what;
            switch (i % 3)
            {
                case 0:
                    mutated = FuzzMutations.Mutate(zip, rng, out what);
                    break;
                case 1:
                    mutated = Replace(zip, entryName, FuzzMutations.Mutate(onnx, rng, out what));
                    what = "onnx: " + what;
                    break;
                default:
                    mutated = Replace(zip, entryName, MutateManifest(onnx, rng, out what));
                    what = "manifest: " + what;
                    break;
            }
            try { OnnxModelReader.ReadBytes("fuzz.zip", mutated, out _); loaded++; }
            catch (ModelFormatException e) { rejected++; if (!e.Message.StartsWith("fuzz.zip: ", StringComparison.Ordinal)) unexpected.Add($"#{i} {what}: message '{e.Message}'"); }
            catch (Exception e) { unexpected.Add($"#{i} {what}: {e.GetType().Name}: {e.Message}"); }
        }
        Assert.IsEmpty(unexpected, string.Join("\n", unexpected.Take(10)));
        Assert.IsGreaterThan(500, rejected);
        Assert.IsGreaterThan(0, loaded, "harmless edits (unused zip fields, weight bits) still load");
    }

    private static byte[] MutateManifest(byte[] onnx, SeededRandom rng, out string what)
    {
        var model = global::Onnx.ModelProto.Parser.ParseFrom(onnx);
        var entry = model.MetadataProps.First(p => p.Key == OnnxModelReader.ManifestKey);
        entry.Value = System.Text.Encoding.UTF8.GetString(FuzzMutations.Mutate(System.Text.Encoding.UTF8.GetBytes(entry.Value), rng, out what));
        return model.ToByteArray();
    }

    private static byte[] Entry(byte[] zip, out string name)
    {
        using var archive = new ZipArchive(new MemoryStream(zip));
        var entry = archive.Entries.Single(e => e.Name == "OnnxModel");
        name = entry.FullName;
        using var s = entry.Open();
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray().AsSpan(4).ToArray();
    }

    private static byte[] Replace(byte[] zip, string name, byte[] onnx, int lengthDelta = 0)
    {
        using var source = new ZipArchive(new MemoryStream(zip));
        var entries = new List<(string, byte[])>();
        foreach (var e in source.Entries)
        {
            using var s = e.Open();
            using var ms = new MemoryStream();
            if (e.FullName == name) { ms.Write(BitConverter.GetBytes(onnx.Length + lengthDelta)); ms.Write(onnx); }
            else s.CopyTo(ms);
            entries.Add((e.FullName, ms.ToArray()));
        }
        return TestZip.Of(entries.ToArray());
    }

}

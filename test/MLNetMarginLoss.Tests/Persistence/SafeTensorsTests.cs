using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Persistence;

namespace MLNetMarginLoss.Tests.Persistence;

[TestClass]
public sealed class SafeTensorsTests
{
    private static NamedTensor[] Sample() =>
    [
        new("encoder.0.weight", [2, 3], [1f, -2f, 3.5f, 0f, float.Epsilon, -1e30f]),
        new("encoder.0.bias", [3], [0.25f, 0.5f, 0.75f]),
        new("scale", [], [64f]),
        new("empty", [0, 5], []),
    ];

    [TestMethod]
    public void RoundTripKeepsNamesShapesValuesAndMetadata()
    {
        var bytes = SafeTensorsWriter.ToBytes(Sample(), new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode" });
        var read = SafeTensorsReader.Read(bytes, "sample");
        Assert.HasCount(4, read.Tensors);
        foreach (var expected in Sample())
        {
            var actual = read.Find(expected.Name);
            Assert.IsNotNull(actual, expected.Name);
            CollectionAssert.AreEqual(expected.Shape, actual.Shape, expected.Name);
            CollectionAssert.AreEqual(expected.Data, actual.Data, expected.Name);
        }
        Assert.AreEqual("pt", read.Metadata["format"]);
        Assert.AreEqual("ünïcode", read.Metadata["note"]);
    }

    [TestMethod]
    public void LayoutIsWhatPythonSafetensorsReads()
    {
        NamedTensor[] tensors = [new("a", [2], [1f, -2f]), new("b", [1, 1], [0.5f])];
        var bytes = SafeTensorsWriter.ToBytes(tensors, new Dictionary<string, string> { ["format"] = "pt" });

        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.AreEqual(0UL, n % 8, "header is padded to 8 bytes");
        Assert.AreEqual((long)(8 + n + 12), bytes.LongLength, "8 + header + 3 floats");
        string header = Encoding.UTF8.GetString(bytes, 8, (int)n);
        Assert.AreEqual(header.TrimEnd(' ').Length + (header.Length - header.TrimEnd(' ').Length), header.Length);
        using var doc = JsonDocument.Parse(header.TrimEnd(' '));
        var root = doc.RootElement;
        Assert.AreEqual("pt", root.GetProperty("__metadata__").GetProperty("format").GetString());
        Assert.AreEqual("F32", root.GetProperty("a").GetProperty("dtype").GetString());
        Assert.AreEqual("[2]", root.GetProperty("a").GetProperty("shape").GetRawText());
        Assert.AreEqual("[0,8]", root.GetProperty("a").GetProperty("data_offsets").GetRawText());
        Assert.AreEqual("[1,1]", root.GetProperty("b").GetProperty("shape").GetRawText());
        Assert.AreEqual("[8,12]", root.GetProperty("b").GetProperty("data_offsets").GetRawText());
        // IEEE-754 little-endian: 1.0 = 00 00 80 3F, -2.0 = 00 00 00 C0, 0.5 = 00 00 00 3F.
        byte[] expectedData = [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x3F];
        CollectionAssert.AreEqual(expectedData, bytes.AsSpan(8 + (int)n).ToArray());
    }

    [TestMethod]
    public void ReadsAHandWrittenFileInAnyHeaderOrder()
    {
        // What Python writes for {"b": [3.0], "a": [[1, 2]]}: entries need not follow data order, no metadata.
        var file = Build("{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]},\"a\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[0,8]}}",
            [0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x40, 0x40]);
        var read = SafeTensorsReader.Read(file, "hand-written");
        Assert.AreEqual("a", read.Tensors[0].Name, "tensors come back in data order");
        CollectionAssert.AreEqual(new[] { 1f, 2f }, read.Find("a")!.Data);
        CollectionAssert.AreEqual(new[] { 1, 2 }, read.Find("a")!.Shape);
        CollectionAssert.AreEqual(new[] { 3f }, read.Find("b")!.Data);
        Assert.IsEmpty(read.Metadata);
    }

    [TestMethod]
    [DataRow("{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4, "only F32 is supported")]
    [DataRow("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "needs 12 bytes but data_offsets give 8")]
    [DataRow("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "overlaps")]
    [DataRow("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "a gap")]
    [DataRow("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8, "trailing bytes")]
    [DataRow("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8, "run past the 8-byte data block")]
    [DataRow("{\"a\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647],\"data_offsets\":[0,8]}}", 8, "needs more than 8 bytes")]
    [DataRow("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, "shape entries must be integers")]
    [DataRow("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4, "are not 0 ≤ begin ≤ end")]
    [DataRow("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "lacks data_offsets")]
    [DataRow("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "names 'a' twice")]
    [DataRow("[1,2]", 0, "must be a JSON object")]
    [DataRow("{\"a\":", 0, "not valid JSON")]
    [DataRow("{\"__metadata__\":{\"k\":1}}", 0, "must be a string")]
    public void RejectsMalformedHeaders(string header, int dataBytes, string expected)
    {
        var ex = Assert.ThrowsExactly<ModelFormatException>(() => SafeTensorsReader.Read(Build(header, new byte[dataBytes]), "bad.safetensors"));
        StringAssert.Contains(ex.Message, expected);
        StringAssert.StartsWith(ex.Message, "bad.safetensors: ");
    }

    [TestMethod]
    public void RejectsHeaderLengthsBeyondTheFile()
    {
        var file = SafeTensorsWriter.ToBytes(Sample());
        BinaryPrimitives.WriteUInt64LittleEndian(file, ulong.MaxValue - 3);
        StringAssert.Contains(Assert.ThrowsExactly<ModelFormatException>(() => SafeTensorsReader.Read(file, "f")).Message, "exceeds");
        StringAssert.Contains(Assert.ThrowsExactly<ModelFormatException>(() => SafeTensorsReader.Read(new byte[5], "f")).Message, "truncated");
        var valid = SafeTensorsWriter.ToBytes(Sample());
        StringAssert.Contains(Assert.ThrowsExactly<ModelFormatException>(() => SafeTensorsReader.Read(valid.AsMemory(0, valid.Length - 1), "f")).Message, "truncated");
    }

    [TestMethod]
    public void WriterRejectsMalformedTensors()
    {
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => SafeTensorsWriter.ToBytes([new("a", [2, 2], new float[3])])).Message, "needs 4 values, found 3");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => SafeTensorsWriter.ToBytes([new("a", [1], [1f]), new("a", [1], [1f])])).Message, "appears twice");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => SafeTensorsWriter.ToBytes([new("__metadata__", [1], [1f])])).Message, "reserved");
    }

    [TestMethod]
    public void ThousandsOfRandomMutationsEitherReadOrFailCleanly()
    {
        var valid = SafeTensorsWriter.ToBytes(Sample(), new Dictionary<string, string> { ["k"] = "v" });
        var rng = new SeededRandom(20240611);
        int read = 0, rejected = 0;
        var unexpected = new List<string>();
        for (int i = 0; i < 1500; i++)
        {
            byte[] mutated = FuzzMutations.Mutate(valid, rng, out string what);
            try { SafeTensorsReader.Read(mutated, "fuzz"); read++; }
            catch (ModelFormatException) { rejected++; }
            catch (Exception e) { unexpected.Add($"#{i} {what}: {e.GetType().Name}: {e.Message}"); }
        }
        Assert.IsEmpty(unexpected, string.Join("\n", unexpected.Take(10)));
        Assert.IsGreaterThan(100, rejected);
        Assert.IsGreaterThan(10, read, "value-only bit flips should still read");
    }

    private static byte[] Build(string header, byte[] data)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var file = new byte[8 + h.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)h.Length);
        h.CopyTo(file, 8);
        data.CopyTo(file, 8 + h.Length);
        return file;
    }
}

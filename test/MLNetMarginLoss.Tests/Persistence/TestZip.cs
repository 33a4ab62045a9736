using System.IO.Compression;

namespace MLNetMarginLoss.Tests.Persistence;

/// <summary>Builds zip files in memory for the tests that damage or forge model files.</summary>
internal static class TestZip
{
    /// <summary>A zip (stored, not compressed) holding <paramref name="entries"/> in order.</summary>
    public static byte[] Of(params (string Name, byte[] Data)[] entries)
    {
        using var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, data) in entries)
            {
                using var s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                s.Write(data);
            }
        return ms.ToArray();
    }
}

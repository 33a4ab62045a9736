namespace MLNetMarginLoss.Persistence;

/// <summary>
/// Writes a file atomically: into a temporary file in the destination's folder, flushed to disk, then renamed over
/// the destination, so a reader sees the old file or the complete new one, never half of one. A missing folder
/// is reported before anything is written, naming the caller's path.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through <paramref name="write"/>.</summary>
    /// <exception cref="ArgumentException">The destination's folder does not exist or the path names a folder.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        string full = CheckDestination(path);
        string temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            try { if (File.Exists(temp)) File.Delete(temp); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>Checks that <paramref name="path"/> can be written (its folder exists, it is not a folder) and returns its full path.</summary>
    /// <exception cref="ArgumentException">It cannot; the message names the path as given.</exception>
    public static string CheckDestination(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new ArgumentException($"{path}: is a folder; give a file name.");
        string directory = Path.GetDirectoryName(full) ?? ".";
        if (!Directory.Exists(directory)) throw new ArgumentException($"{path}: the folder '{Path.GetDirectoryName(path)}' does not exist; create it first.");
        return full;
    }
}

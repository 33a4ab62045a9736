using System.Globalization;

namespace MLNetMarginLoss.Cli;

/// <summary>
/// Keeps two runs from writing the same output at once, so that a model and the files beside it (its training curves)
/// always come from one run: an exclusive lock on <c>&lt;out&gt;.lock</c>, taken before any data is read and held until
/// the run ends. A second run is refused with one line naming the output and when the other run took it.
/// </summary>
/// <remarks>
/// <para>The lock is the operating system's: the file is held open with <see cref="FileShare.None"/> (an exclusive
/// <c>flock</c> on Linux and macOS, a sharing mode on Windows), so it dies with its process. A run that crashes or is
/// killed leaves at most a stale <c>.lock</c> file that holds nothing, and the next run takes it over.</para>
/// <para>On release the file is deleted while still held. On Unix, opening and locking are two steps, so a run may lock
/// a file that the previous holder has just deleted; it then finds that the path no longer names its file (the path's
/// time stamp and length differ from those of the file it holds) and tries again, rather than run on holding a file
/// that a later run cannot see.</para>
/// <para>Missing folders of the output path are created, and removed again on release if the run left them empty.</para>
/// </remarks>
internal sealed class OutputLock : IDisposable
{
    private const int Attempts = 20;

    private readonly FileStream _stream;
    private readonly IReadOnlyList<string> _createdFolders;
    private bool _released;

    private OutputLock(FileStream stream, string path, IReadOnlyList<string> createdFolders)
    {
        _stream = stream;
        LockPath = path;
        _createdFolders = createdFolders;
    }

    /// <summary>The lock file, <c>&lt;out&gt;.lock</c> (full path).</summary>
    public string LockPath { get; }

    /// <summary>
    /// Takes the lock for <paramref name="output"/> (as the user gave it), creating its missing folders.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// Another run holds the lock, the output is a folder, or its folder cannot be created or written; the message names
    /// <paramref name="output"/>.
    /// </exception>
    public static OutputLock Acquire(string output)
    {
        ArgumentException.ThrowIfNullOrEmpty(output);
        string full = Path.GetFullPath(output), path = full + ".lock";
        if (Directory.Exists(full)) throw new ArgumentException($"{output}: is a folder; give a file name.");
        var created = new List<string>();
        try
        {
            for (int attempt = 1; attempt <= Attempts; attempt++)
            {
                CreateFolders(output, Path.GetDirectoryName(full)!, created);
                FileStream stream;
                try
                {
                    stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, OperatingSystem.IsWindows() ? FileShare.Delete : FileShare.None);
                }
                catch (DirectoryNotFoundException)
                {
                    continue; // a run that released its lock just removed the folder it had created: create it again
                }
                catch (UnauthorizedAccessException) when (OperatingSystem.IsWindows() && File.Exists(path))
                {
                    Thread.Sleep(10); // the file is being deleted by a run that is releasing it
                    continue;
                }
                catch (IOException) when (File.Exists(path))
                {
                    var since = File.GetLastWriteTime(path).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
                    throw new ArgumentException($"{output}: another run is writing it (it has held {Path.GetFileName(path)} since {since}); wait for it to finish or choose another --out.");
                }
                catch (Exception e) when (e is UnauthorizedAccessException or IOException)
                {
                    throw new ArgumentException($"{output}: cannot be written ({CliErrors.Clean(e.Message)}).", e);
                }
                if (NamesHeldFile(stream, path)) return new OutputLock(stream, path, created);
                stream.Dispose(); // locked a file its holder had just deleted: try the path again
            }
            throw new ArgumentException($"{output}: could not take {Path.GetFileName(path)} in {Attempts} attempts; other runs keep taking it.");
        }
        catch
        {
            RemoveIfEmpty(created);
            throw;
        }
    }

    /// <summary>Deletes the lock file (while still holding it), releases the lock, and removes the folders it created if they are empty.</summary>
    public void Dispose()
    {
        if (_released) return;
        _released = true;
        try { File.Delete(LockPath); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        _stream.Dispose();
        RemoveIfEmpty(_createdFolders);
    }

    /// <summary>
    /// Writes who holds the lock into the held file (for a person reading it) and checks that the path still names that
    /// file: same last-write time (just set by this write) and length.
    /// </summary>
    private static bool NamesHeldFile(FileStream stream, string path)
    {
        var holder = string.Create(CultureInfo.InvariantCulture,
            $"mlnet-margin, process {Environment.ProcessId} on {Environment.MachineName}, since {DateTime.Now:yyyy-MM-dd HH:mm:ss.fff}\n");
        stream.SetLength(0);
        stream.Write(System.Text.Encoding.UTF8.GetBytes(holder));
        stream.Flush();
        var info = new FileInfo(path);
        return info.Exists && info.Length == stream.Length
            && info.LastWriteTimeUtc == File.GetLastWriteTimeUtc(stream.SafeFileHandle);
    }

    /// <summary>Creates <paramref name="folder"/> and its missing parents, adding the ones it created (deepest first) to <paramref name="created"/>.</summary>
    private static void CreateFolders(string output, string folder, List<string> created)
    {
        var missing = new List<string>();
        for (string? f = folder; f is not null && !Directory.Exists(f); f = Path.GetDirectoryName(f))
            missing.Add(f);
        if (missing.Count == 0) return;
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new ArgumentException($"{output}: its folder cannot be created ({CliErrors.Clean(e.Message)}).", e);
        }
        foreach (var f in missing)
            if (!created.Contains(f)) created.Add(f);
    }

    /// <summary>Removes the folders (deepest first) that are empty; a folder another run has written into stays.</summary>
    private static void RemoveIfEmpty(IReadOnlyList<string> folders)
    {
        foreach (var f in folders)
        {
            try { Directory.Delete(f); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}

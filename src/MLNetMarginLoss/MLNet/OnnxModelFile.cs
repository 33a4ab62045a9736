using System.Diagnostics;
using System.Globalization;

namespace MLNetMarginLoss.MLNet;

/// <summary>
/// The file through which an ONNX graph reaches ML.NET's OnnxTransformer. Given a stream, ML.NET copies the graph to a
/// temporary file that nothing ever deletes (<c>OnnxModel.CreateFromStream</c> passes <c>ownModelFile: false</c>), and
/// it reads that file back by path whenever the model is saved, so the file must live exactly as long as the
/// transformer. ML.NET has no in-memory route, hence this class: it writes the graph to
/// <c>{temp}/mlnet-margin-{process id}/</c>, deletes the file when its owner is disposed, deletes the process's folder
/// when the process exits (files of transformers nobody disposed included), and removes folders left behind by
/// processes that ended without exiting normally.
/// </summary>
internal sealed class OnnxModelFile : IDisposable
{
    private const string FolderPrefix = "mlnet-margin-";
    private static readonly Lazy<string> ProcessFolder = new(CreateProcessFolder);

    private OnnxModelFile(string path) => Path = path;

    /// <summary>The file's full path (what <c>ApplyOnnxModel</c> is given).</summary>
    public string Path { get; }

    /// <summary>Writes <paramref name="onnx"/> to a new file in this process's folder.</summary>
    public static OnnxModelFile Write(byte[] onnx)
    {
        string path = System.IO.Path.Combine(ProcessFolder.Value, System.IO.Path.GetRandomFileName() + ".onnx");
        File.WriteAllBytes(path, onnx);
        return new OnnxModelFile(path);
    }

    /// <summary>Deletes the file (ONNX Runtime has read it; the transformer that saves from it must be disposed first).</summary>
    public void Dispose()
    {
        try { File.Delete(Path); }
        catch (IOException) { }   // still open elsewhere (Windows): the folder goes when the process exits
        catch (UnauthorizedAccessException) { }
    }

    private static string CreateProcessFolder()
    {
        string temp = System.IO.Path.GetTempPath();
        RemoveAbandonedFolders(temp);
        string folder = System.IO.Path.Combine(temp, FolderPrefix + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(folder);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(folder);
        return folder;
    }

    /// <summary>Folders of processes that no longer run, untouched for an hour (a crash or a kill skips ProcessExit).</summary>
    private static void RemoveAbandonedFolders(string temp)
    {
        try
        {
            foreach (var folder in Directory.EnumerateDirectories(temp, FolderPrefix + "*"))
            {
                if (!int.TryParse(System.IO.Path.GetFileName(folder).AsSpan(FolderPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
                    || pid == Environment.ProcessId || IsRunning(pid)
                    || Directory.GetLastWriteTimeUtc(folder) > DateTime.UtcNow.AddHours(-1))
                    continue;
                TryDelete(folder);
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }

    private static void TryDelete(string folder)
    {
        try { Directory.Delete(folder, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}

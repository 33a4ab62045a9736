using System.Diagnostics;
using System.Reflection;

namespace MLNetMarginLoss.Mpi.Tests;

/// <summary>
/// Runs a program as an MPI job with MPICH's mpiexec on this machine (loopback), each rank's stdout and stderr in its
/// own file. Fails with the fix when MPICH is not installed.
/// </summary>
internal static class Mpiexec
{
    /// <summary>What the job left: mpiexec's exit code and every rank's output.</summary>
    public sealed record Result(int ExitCode, string[] Out, string[] Err, string Launcher)
    {
        public override string ToString() => $"exit {ExitCode}; {Launcher}\n" + string.Join("\n", Err.Select((e, r) => $"--- rank {r} stderr:\n{e}"));
    }

    /// <summary>The test host's path (built beside the tests).</summary>
    public static string TestHost => Metadata("TestHost");

    /// <summary>The command-line tool's path.</summary>
    public static string Cli => Metadata("Cli");

    /// <summary>Runs <c>mpiexec [options] -np <paramref name="processes"/> dotnet <paramref name="dll"/> <paramref name="arguments"/></c> and waits for it.</summary>
    public static Result Run(int processes, string dll, IEnumerable<string> arguments, params string[] options)
    {
        string launcher = Find();
        string directory = Path.Combine(Path.GetTempPath(), $"mlnet-margin-mpiexec-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            var info = new ProcessStartInfo(launcher) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var o in options) info.ArgumentList.Add(o);
            foreach (var a in new[] { "-outfile-pattern", Path.Combine(directory, "out.%r"), "-errfile-pattern", Path.Combine(directory, "err.%r"), "-np", processes.ToString(), "dotnet", dll })
                info.ArgumentList.Add(a);
            foreach (var a in arguments) info.ArgumentList.Add(a);
            info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            string Read(string name, int r) => File.Exists(Path.Combine(directory, $"{name}.{r}")) ? File.ReadAllText(Path.Combine(directory, $"{name}.{r}")) : "";
            return new Result(process.ExitCode,
                Enumerable.Range(0, processes).Select(r => Read("out", r)).ToArray(),
                Enumerable.Range(0, processes).Select(r => Read("err", r)).ToArray(),
                (stdout.Result + stderr.Result).Trim());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static string Find()
    {
        foreach (var name in new[] { "mpiexec.mpich", "mpiexec.hydra", "mpiexec" })
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
                if (File.Exists(Path.Combine(dir, name))) return Path.Combine(dir, name);
        Assert.Fail("MPICH's mpiexec was not found on PATH: install MPICH (build/setup.sh does: apt-get install mpich).");
        return "";
    }

    private static string Metadata(string key) =>
        typeof(Mpiexec).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}

using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace MLNetMarginLoss.TorchBackend.Native;

/// <summary>
/// Makes TorchSharp's native shim load on Linux systems whose libstdc++ predates GCC 13 (Debian 12, Ubuntu 22.04).
/// <para>
/// TorchSharp 0.107's <c>libLibTorchSharp.so</c> requires the version <c>GLIBCXX_3.4.32</c> for exactly one symbol,
/// <c>_ZSt21ios_base_library_initv</c> (GCC 13's iostream-initialisation marker), which no relocation uses: it is
/// never called. Older libstdc++ lacks that version, so glibc refuses the whole library ("version GLIBCXX_3.4.32 not
/// found") and TorchSharp reports, misleadingly, that the application references no libtorch package.
/// </para>
/// <para>
/// The fix, applied once per process before anything touches <c>TorchSharp.torch</c> (whose static constructor
/// fails for the rest of the process otherwise), and only on Linux x64 when
/// <c>dlvsym(libstdc++, "_ZSt21ios_base_library_initv", "GLIBCXX_3.4.32")</c> fails: copy the shim into a per-user
/// cache folder named by the SHA-256 of the original (the NuGet cache and the application folder are never written),
/// set <c>VER_FLG_WEAK</c> on that one requirement of <c>.gnu.version_r</c> (refused if any relocation uses a symbol of
/// that version), load TorchSharp's libtorch natives, then the patched copy (glibc then matches later loads of
/// <c>libLibTorchSharp.so</c> by its soname), and register a <see cref="DllImportResolver"/> that hands TorchSharp
/// the patched copy for "LibTorchSharp". Where libstdc++ is new enough nothing is done. glibc 2.34 or newer is
/// still required by libtorch 2.10.
/// </para>
/// </summary>
internal static class TorchNativeLoader
{
    /// <summary>The shim's file name on Linux.</summary>
    public const string ShimFileName = "libLibTorchSharp.so";

    /// <summary>The one symbol that needs <see cref="MarkerVersion"/>.</summary>
    public const string MarkerSymbol = "_ZSt21ios_base_library_initv";

    /// <summary>The libstdc++ version older systems lack.</summary>
    public const string MarkerVersion = "GLIBCXX_3.4.32";

    /// <summary>The oldest glibc libtorch 2.10's CPU natives load with.</summary>
    public static readonly Version MinimumGlibc = new(2, 34);

    private static readonly object Gate = new();
    private static bool _done;
    private static Exception? _failure;
    private static IntPtr _shimHandle;

    /// <summary>What <see cref="EnsureLoaded"/> did in this process ("not needed", "patched: path", …), for diagnostics.</summary>
    public static string Outcome { get; private set; } = "not run";

    /// <summary>
    /// Applies the fix if this system needs it; safe to call any number of times from any thread. Call before
    /// the first use of <c>TorchSharp.torch</c>.
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">glibc is older than 2.34, or the shim cannot be loaded; the message says why and what to do.</exception>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_failure is not null) throw new PlatformNotSupportedException(_failure.Message, _failure);
            if (_done) return;
            try
            {
                Outcome = Run();
                _done = true;
            }
            catch (Exception e)
            {
                _failure = e;
                throw new PlatformNotSupportedException(e.Message, e);
            }
        }
    }

    private static string Run()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            return "not needed (not Linux x64)";
        CheckGlibc(NativeProbe.GlibcVersion());
        var torchAssembly = typeof(global::TorchSharp.torch).Assembly;
        var directories = NativeDirectories(torchAssembly).ToList();
        string? shim = directories.Select(d => Path.Combine(d, ShimFileName)).FirstOrDefault(File.Exists);
        if (shim is null)
            return "not needed (TorchSharp's native shim was not found; TorchSharp reports what is missing)";
        string? patched = PrepareShim(shim, () => NativeProbe.LibStdCxxDefines(MarkerSymbol, MarkerVersion), DefaultCacheRoot());
        if (patched is null) return "not needed (libstdc++ defines " + MarkerVersion + ")";

        LoadTorchNatives(torchAssembly, new ElfVersionNeeds(File.ReadAllBytes(patched)).NeededLibraries, directories);
        try
        {
            _shimHandle = NativeLibrary.Load(patched);
        }
        catch (DllNotFoundException e)
        {
            throw new PlatformNotSupportedException(
                $"TorchSharp's native shim (patched copy {patched}) does not load: {e.Message} " +
                "Check that the application references TorchSharp-cpu, TorchSharp-cuda-linux or TorchSharp-cuda-windows 0.107.0 (the libtorch natives).", e);
        }
        NativeLibrary.SetDllImportResolver(torchAssembly, Resolve);
        return "patched: " + patched;
    }

    /// <summary>Throws a clear error for a glibc older than <see cref="MinimumGlibc"/> (null: not glibc, nothing to say).</summary>
    /// <exception cref="PlatformNotSupportedException">The version is too old.</exception>
    internal static void CheckGlibc(Version? glibc)
    {
        if (glibc is not null && glibc < MinimumGlibc)
            throw new PlatformNotSupportedException(
                $"TorchSharp 0.107 (libtorch 2.10) needs glibc {MinimumGlibc} or newer; this system has glibc {glibc}. " +
                "Train on a newer Linux (Debian 12, Ubuntu 22.04 or later) or use the engine backend (leave Options.Backend null).");
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path) =>
        name is "LibTorchSharp" or ShimFileName ? _shimHandle : IntPtr.Zero;

    /// <summary>
    /// Decides whether <paramref name="shimPath"/> needs the fix and, if so, returns the path of its patched copy
    /// under <paramref name="cacheRoot"/> (written if missing or different); null when no patch is needed.
    /// The original file is only read.
    /// </summary>
    /// <param name="shimPath">TorchSharp's libLibTorchSharp.so.</param>
    /// <param name="libStdCxxDefinesMarker">The libstdc++ check (true: the loaded libstdc++ defines the marker's version).</param>
    /// <param name="cacheRoot">The per-user cache folder.</param>
    /// <exception cref="InvalidDataException">The shim cannot be patched safely (e.g. a relocation uses that version).</exception>
    public static string? PrepareShim(string shimPath, Func<bool> libStdCxxDefinesMarker, string cacheRoot)
    {
        if (libStdCxxDefinesMarker()) return null;
        byte[] original = File.ReadAllBytes(shimPath);
        var elf = new ElfVersionNeeds(original);
        if (elf.Find(MarkerVersion) is not { } requirement || requirement.IsWeak) return null; // another shim build: nothing to fix
        string key = Convert.ToHexStringLower(SHA256.HashData(original));
        byte[] patched = (byte[])original.Clone();
        new ElfVersionNeeds(patched).MakeWeak(MarkerVersion);

        string folder = Path.Combine(cacheRoot, key);
        string target = Path.Combine(folder, ShimFileName);
        if (File.Exists(target) && File.ReadAllBytes(target).AsSpan().SequenceEqual(patched)) return target;
        Directory.CreateDirectory(folder);
        string temporary = Path.Combine(folder, $".{ShimFileName}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        File.WriteAllBytes(temporary, patched);
        File.Move(temporary, target, overwrite: true); // atomic on one file system: concurrent processes write the same bytes
        return target;
    }

    /// <summary>$XDG_CACHE_HOME (or ~/.cache)/mlnetmarginloss/torchsharp-shim; the temp folder when there is no home.</summary>
    public static string DefaultCacheRoot()
    {
        string? root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (string.IsNullOrEmpty(root))
        {
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            root = string.IsNullOrEmpty(home) ? Path.Combine(Path.GetTempPath(), $"mlnetmarginloss-{Environment.UserName}") : Path.Combine(home, ".cache");
        }
        return Path.Combine(root, "mlnetmarginloss", "torchsharp-shim");
    }

    /// <summary>Where the runtime looks for native assets: the deps.json directories, the TorchSharp and application folders.</summary>
    internal static IEnumerable<string> NativeDirectories(Assembly torchAssembly)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var list = new List<string>();
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string dirs)
            list.AddRange(dirs.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        foreach (var baseDir in new[] { Path.GetDirectoryName(torchAssembly.Location), AppContext.BaseDirectory })
        {
            if (string.IsNullOrEmpty(baseDir)) continue;
            list.Add(baseDir);
            list.Add(Path.Combine(baseDir, "runtimes", "linux-x64", "native"));
        }
        foreach (var d in list)
        {
            string full = Path.GetFullPath(d);
            if (Directory.Exists(full) && seen.Add(full)) yield return full;
        }
    }

    /// <summary>
    /// Loads the libtorch libraries the shim links against (libtorch.so, libc10.so, libtorch_cpu.so…) so that the
    /// copy in the cache folder, whose $ORIGIN run path no longer points at them, finds them by soname. Libraries are
    /// tried the way TorchSharp loads them (by name, next to its assembly), then by path; a library whose own
    /// dependencies are not loaded yet is retried after the others.
    /// </summary>
    private static void LoadTorchNatives(Assembly torchAssembly, IReadOnlyList<string> needed, IReadOnlyList<string> directories)
    {
        string[] system = ["libstdc++.so", "libm.so", "libgcc_s.so", "libc.so", "ld-linux", "libdl.so", "libpthread.so", "librt.so"];
        var pending = needed.Where(n => !system.Any(n.StartsWith)).ToList();
        for (int round = 0; round < 4 && pending.Count > 0; round++)
        {
            foreach (var name in pending.ToList())
            {
                bool ok = NativeLibrary.TryLoad(name, torchAssembly, null, out _);
                foreach (var dir in directories)
                {
                    if (ok) break;
                    string path = Path.Combine(dir, name);
                    ok = File.Exists(path) && NativeLibrary.TryLoad(path, out _);
                }
                if (ok) pending.Remove(name);
            }
        }
    }
}

/// <summary>Questions about the C and C++ runtimes of this process (Linux).</summary>
internal static partial class NativeProbe
{
    [LibraryImport("libc.so.6", EntryPoint = "gnu_get_libc_version")]
    private static partial IntPtr GnuGetLibcVersion();

    [LibraryImport("libc.so.6", EntryPoint = "dlvsym", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr DlVSym(IntPtr handle, string symbol, string version);

    /// <summary>glibc's version, or null when it cannot be read (not glibc).</summary>
    public static Version? GlibcVersion()
    {
        try
        {
            string? text = Marshal.PtrToStringUTF8(GnuGetLibcVersion());
            return Version.TryParse(text, out var v) ? v : null;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// True when the libstdc++ of this process defines <paramref name="symbol"/> at <paramref name="version"/>
    /// (dlvsym). False when it does not, or when libstdc++ or dlvsym (glibc &lt; 2.34 keeps it in libdl) is missing.
    /// </summary>
    public static bool LibStdCxxDefines(string symbol, string version)
    {
        if (!NativeLibrary.TryLoad("libstdc++.so.6", out var handle)) return false;
        try
        {
            return DlVSym(handle, symbol, version) != IntPtr.Zero;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }
}

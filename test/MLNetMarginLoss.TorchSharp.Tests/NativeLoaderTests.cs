using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using MLNetMarginLoss.TorchBackend.Native;

namespace MLNetMarginLoss.TorchBackend.Tests;

/// <summary>
/// The native shim fix (DESIGN §2): the libstdc++ probe, both branches of the decision (no patch where libstdc++ is
/// new enough; a patched copy in the cache folder otherwise), the ELF edit and its safety check, and TorchSharp
/// working from processes that start cold.
/// </summary>
[TestClass]
public sealed class NativeLoaderTests
{
    private static string ShimInOutput => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", TorchNativeLoader.ShimFileName);

    private static bool IsLinuxX64 => OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64;

    [TestMethod]
    public void ProbeAnswersForKnownAndUnknownVersions()
    {
        Assert.IsTrue(IsLinuxX64, "the libstdc++/glibc probe exists on Linux x64 only, where this suite runs (CI is Linux x64)");
        Assert.IsTrue(NativeProbe.LibStdCxxDefines("_ZSt4cout", "GLIBCXX_3.4"), "std::cout at GLIBCXX_3.4 exists in every libstdc++");
        Assert.IsFalse(NativeProbe.LibStdCxxDefines("_ZSt4cout", "GLIBCXX_99.0"));
        Assert.IsTrue(NativeProbe.GlibcVersion() >= TorchNativeLoader.MinimumGlibc, $"glibc {NativeProbe.GlibcVersion()}");
    }

    [TestMethod]
    public void AnOldGlibcGetsAClearError()
    {
        var e = Assert.ThrowsExactly<PlatformNotSupportedException>(() => TorchNativeLoader.CheckGlibc(new Version(2, 31)));
        StringAssert.Contains(e.Message, "glibc 2.34 or newer");
        StringAssert.Contains(e.Message, "glibc 2.31");
        TorchNativeLoader.CheckGlibc(new Version(2, 34));
        TorchNativeLoader.CheckGlibc(null);
    }

    [TestMethod]
    public void NoPatchWhenLibStdCxxDefinesTheVersion()
    {
        string cache = TempFolder();
        Assert.IsNull(TorchNativeLoader.PrepareShim(ShimInOutput, () => true, cache));
        Assert.IsFalse(Directory.Exists(cache), "nothing is written when no patch is needed");
    }

    [TestMethod]
    public void PatchesACopyInTheCacheFolderAndLeavesTheOriginal()
    {
        string cache = TempFolder();
        byte[] before = File.ReadAllBytes(ShimInOutput);
        string? patched = TorchNativeLoader.PrepareShim(ShimInOutput, () => false, cache);

        Assert.IsNotNull(patched);
        CollectionAssert.AreEqual(before, File.ReadAllBytes(ShimInOutput), "the original shim is only read");
        Assert.AreEqual(Path.Combine(cache, Convert.ToHexStringLower(SHA256.HashData(before)), TorchNativeLoader.ShimFileName), patched);
        byte[] after = File.ReadAllBytes(patched);
        var original = new ElfVersionNeeds(before);
        var copy = new ElfVersionNeeds(after);
        Assert.IsFalse(original.Find(TorchNativeLoader.MarkerVersion)!.IsWeak);
        Assert.IsTrue(copy.Find(TorchNativeLoader.MarkerVersion)!.IsWeak);
        var changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToArray();
        int flags = original.Find(TorchNativeLoader.MarkerVersion)!.FlagsOffset;
        Assert.IsTrue(changed.Length > 0 && changed.All(i => i == flags || i == flags + 1), "only that requirement's vna_flags change");
        foreach (var r in original.Requirements.Where(r => r.Version != TorchNativeLoader.MarkerVersion))
            Assert.IsFalse(copy.Find(r.Version)!.IsWeak && !r.IsWeak, $"{r.Version} stays as it was");

        var written = File.GetLastWriteTimeUtc(patched);
        Thread.Sleep(20);
        Assert.AreEqual(patched, TorchNativeLoader.PrepareShim(ShimInOutput, () => false, cache));
        Assert.AreEqual(written, File.GetLastWriteTimeUtc(patched), "an existing correct copy is reused, not rewritten");
    }

    [TestMethod]
    public void TheMarkerVersionIsUsedByNoRelocation()
    {
        var elf = new ElfVersionNeeds(File.ReadAllBytes(ShimInOutput));
        var requirement = elf.Find(TorchNativeLoader.MarkerVersion);
        Assert.IsNotNull(requirement, "TorchSharp 0.107's shim requires GLIBCXX_3.4.32");
        Assert.AreEqual("libstdc++.so.6", requirement.File);
        Assert.AreEqual(0, elf.RelocatedSymbolsOfVersion(requirement.Index).Count);
        Assert.IsTrue(elf.RelocatedSymbols().Any(), "the shim has relocated symbols at all (the check is not vacuous)");
        CollectionAssert.IsSubsetOf(new[] { "libtorch.so", "libc10.so", "libtorch_cpu.so" }, elf.NeededLibraries.ToArray());
    }

    [TestMethod]
    public void RefusesWhenARelocationUsesTheVersion()
    {
        byte[] image = File.ReadAllBytes(ShimInOutput);
        var elf = new ElfVersionNeeds(image);
        var requirement = elf.Find(TorchNativeLoader.MarkerVersion)!;
        var (name, versym) = elf.RelocatedSymbols().First();
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(versym), requirement.Index); // bind a relocated symbol to that version
        var edited = new ElfVersionNeeds(image);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => edited.MakeWeak(TorchNativeLoader.MarkerVersion));
        StringAssert.Contains(e.Message, name);
        Assert.IsFalse(edited.Find(TorchNativeLoader.MarkerVersion)!.IsWeak, "nothing is changed on refusal");
    }

    [TestMethod]
    public void RejectsFilesThatAreNotElf()
    {
        Assert.ThrowsExactly<InvalidDataException>(() => new ElfVersionNeeds(new byte[100]));
    }

    /// <summary>A fresh process with an empty cache folder: the loader runs before anything touches TorchSharp, and torch works.</summary>
    [TestMethod]
    public void TorchWorksInAProcessThatStartsCold()
    {
        string cache = TempFolder();
        var (code, output) = RunChild(["torch-smoke", TestDevice.Name], cache);
        Assert.AreEqual(0, code, output);
        StringAssert.Contains(output, "ok 22 on " + TorchDevices.Describe(TestDevice.Device));
        bool needsPatch = IsLinuxX64 && !NativeProbe.LibStdCxxDefines(TorchNativeLoader.MarkerSymbol, TorchNativeLoader.MarkerVersion);
        StringAssert.Contains(output, needsPatch ? "loader: patched: " + cache : "loader: not needed");
        Assert.AreEqual(needsPatch, Directory.Exists(cache) && Directory.EnumerateFiles(cache, TorchNativeLoader.ShimFileName, SearchOption.AllDirectories).Any());
    }

    /// <summary>Without the loader, the shim does not load on systems whose libstdc++ lacks the version (and loads elsewhere).</summary>
    [TestMethod]
    public void WithoutTheLoaderTheShimFailsExactlyWhereThePatchIsNeeded()
    {
        var (code, output) = RunChild(["shim-raw"], TempFolder());
        bool needsPatch = IsLinuxX64 && !NativeProbe.LibStdCxxDefines(TorchNativeLoader.MarkerSymbol, TorchNativeLoader.MarkerVersion);
        Assert.AreEqual(needsPatch ? 1 : 0, code, output);
        if (needsPatch) StringAssert.Contains(output, TorchNativeLoader.MarkerVersion);
    }

    /// <summary>In this test process: the loader ran when the first backend was created (<see cref="TestAssembly.Initialize"/>) and torch works.</summary>
    [TestMethod]
    public void TorchWorksInTheTestHost()
    {
        Assert.AreEqual(22.0, TorchSmoke.Run(new TorchSharpBackend("cpu")));
        StringAssert.Matches(TorchNativeLoader.Outcome, new System.Text.RegularExpressions.Regex("^(patched|not needed)"));
    }

    internal static (int Code, string Output) RunChild(string[] args, string cacheHome, IDictionary<string, string>? environment = null)
    {
        string assembly = typeof(Program).Assembly.Location;
        string stem = Path.ChangeExtension(assembly, null);
        string host = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "exec", "--runtimeconfig", stem + ".runtimeconfig.json", "--depsfile", stem + ".deps.json", assembly }.Concat(args))
            start.ArgumentList.Add(a);
        start.Environment["XDG_CACHE_HOME"] = Path.GetDirectoryName(Path.GetDirectoryName(cacheHome))!;
        if (environment is not null) foreach (var (k, v) in environment) start.Environment[k] = v;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000)) { process.Kill(true); Assert.Fail("the child process did not finish in 2 minutes"); }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>A fresh folder laid out as the loader's cache root under a fresh XDG_CACHE_HOME.</summary>
    private static string TempFolder() =>
        Path.Combine(Path.GetTempPath(), "mlnm-ts-tests", Guid.NewGuid().ToString("N"), "mlnetmarginloss", "torchsharp-shim");
}

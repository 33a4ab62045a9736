using System.Reflection;
using System.Runtime.InteropServices;

namespace MLNetMarginLoss.MpiBackend;

/// <summary>
/// Finds the native MPI library for MPI.NET. MPI.NET 1.4 binds "msmpi.dll" (Microsoft MPI), whose ABI is MPICH's: the
/// same handles (MPI_COMM_WORLD = 0x44000000, MPI_FLOAT = 0x4c00040a, MPI_SUM = 0x58000003, MPI_IN_PLACE = (void*)−1)
/// and calling convention. On Linux and macOS a <see cref="NativeLibrary.SetDllImportResolver"/> maps that name to
/// MPICH's library (libmpich.so.12, libmpich.12.dylib); on Windows Microsoft MPI's msmpi.dll is used as is. Open MPI has
/// another ABI and does not work with MPI.NET. Also declares the two functions MPI.NET does not bind
/// (MPI_Comm_set_errhandler's MPI-2 spelling is bound, MPI_Get_library_version is not).
/// </summary>
internal static partial class MpiLibrary
{
    /// <summary>The name MPI.NET and this assembly import.</summary>
    public const string ImportName = "msmpi.dll";

    /// <summary>MPI_IN_PLACE in the MPICH ABI.</summary>
    public static readonly IntPtr InPlace = -1;

    private static readonly object Gate = new();
    private static bool _resolverSet;

    /// <summary>The native library file on this platform.</summary>
    public static string FileName =>
        OperatingSystem.IsWindows() ? "msmpi.dll" : OperatingSystem.IsMacOS() ? "libmpich.12.dylib" : "libmpich.so.12";

    /// <summary>Maps MPI.NET's and this assembly's "msmpi.dll" to MPICH (once) and loads it.</summary>
    /// <exception cref="DistributedTrainingException">No MPI library: the message names the package to install.</exception>
    public static void Load() => Load(FileName);

    /// <summary><see cref="Load()"/> with another library file (tests).</summary>
    internal static void Load(string fileName)
    {
        lock (Gate)
        {
            if (!_resolverSet)
            {
                foreach (var assembly in new[] { typeof(MPI.Environment).Assembly, typeof(MpiLibrary).Assembly })
                {
                    try
                    {
                        NativeLibrary.SetDllImportResolver(assembly, Resolve);
                    }
                    catch (InvalidOperationException)
                    {
                        // The application set its own resolver for MPI.NET: it knows where its MPI is.
                    }
                }
                _resolverSet = true;
            }
            if (!NativeLibrary.TryLoad(fileName, typeof(MpiLibrary).Assembly, null, out _))
                throw new DistributedTrainingException(
                    $"MPI is not installed: the MPI library {fileName} could not be loaded. Install MPICH (Debian/Ubuntu: apt-get install mpich; " +
                    "macOS: brew install mpich; Windows: Microsoft MPI) and start the processes with its mpiexec, e.g. mpiexec -np 2 dotnet app.dll.");
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path) =>
        name.Contains("msmpi", StringComparison.OrdinalIgnoreCase) && NativeLibrary.TryLoad(FileName, assembly, path, out var handle) ? handle : IntPtr.Zero;

    /// <summary>MPI_Get_library_version: the library's own description ("MPICH Version: 4.0.2 …").</summary>
    [LibraryImport(ImportName, EntryPoint = "MPI_Get_library_version")]
    public static unsafe partial int GetLibraryVersion(byte* version, out int length);

    /// <summary>MPI_MAX_LIBRARY_VERSION_STRING in MPICH.</summary>
    public const int MaxLibraryVersion = 8192;
}

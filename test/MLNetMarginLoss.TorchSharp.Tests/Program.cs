using MLNetMarginLoss.TorchBackend.Native;

namespace MLNetMarginLoss.TorchBackend.Tests;

/// <summary>
/// The test assembly's entry point, used only by <see cref="NativeLoaderTests"/> to check TorchSharp from processes
/// that start cold: <c>torch-smoke [cpu|cuda]</c> goes through the backend (which loads the natives), runs a matrix
/// product and prints "ok", the value and the loader's outcome; <c>shim-raw</c> loads TorchSharp's shim from the
/// application folder directly, without the loader (TorchSharp itself is not touched, so its fallback of copying
/// natives next to the application does not run). Any failure exits non-zero with the message.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("torch-smoke" or "shim-raw" or "bench" or "bench-torch" or "bench-memory"))
        {
            Console.Error.WriteLine("usage: torch-smoke [device] | shim-raw | bench [device] [rows] [threads] [mlp rounds]");
            return 2;
        }
        if (args[0] == "bench-memory") return Bench.Memory("cpu", int.Parse(args[1]), int.Parse(args[2]), Enum.Parse<EncoderKind>(args[3], ignoreCase: true));
        if (args[0] == "bench-torch") return Bench.TorchOnly(args.Length > 1 ? args[1] : "cpu", args.Length > 2 ? int.Parse(args[2]) : 10_000);
        if (args[0] == "bench")
            return Bench.Run(args.Length > 1 ? args[1] : "cpu", args.Length > 2 ? int.Parse(args[2]) : 60_000,
                args.Length > 3 ? int.Parse(args[3]) : 0, args.Length > 4 ? int.Parse(args[4]) : 2);
        try
        {
            if (args[0] == "shim-raw")
            {
                string shim = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", TorchNativeLoader.ShimFileName);
                System.Runtime.InteropServices.NativeLibrary.Load(shim);
                Console.WriteLine("ok: the shim loads without the loader");
                return 0;
            }
            var backend = new TorchSharpBackend(args.Length > 1 ? args[1] : "cpu");
            double value = TorchSmoke.Run(backend);
            Console.WriteLine($"ok {value} on {backend.Device}; loader: {TorchNativeLoader.Outcome}");
            return value == 22 ? 0 : 1;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine(e);
            return 1;
        }
    }
}

using System.Reflection;
using System.Runtime.InteropServices;

namespace MLNetMarginLoss.TorchBackend.Native;

/// <summary>
/// libtorch's switches for its optional CPU kernel libraries, oneDNN (formerly MKL-DNN) and NNPACK:
/// <c>at::globalContext().setUserEnabledMkldnn(bool)</c> and <c>setUserEnabledNNPACK(bool)</c>, the switches PyTorch
/// exposes as <c>torch.backends.mkldnn.enabled</c> and <c>torch.backends.nnpack.enabled</c>. TorchSharp 0.107 binds
/// neither, so they are called here through libtorch_cpu's exported C++ symbols (Itanium names on Linux and macOS,
/// MSVC names on Windows — both read off the shipped binaries; <c>this</c> is the first argument on every x64 and
/// arm64 ABI). Written by hand because no package exposes them.
/// <para>
/// Why: on some AMD EPYC CPUs (AVX-512 with VP2INTERSECT; not the Zen 4 machine the suite is developed on), the
/// backward pass of the ResNet encoders gave a different, sometimes NaN, ∂loss/∂weight on every run while the
/// engine's was constant. Every value the backend hands libtorch is a copy (<c>torch.tensor(array)</c> clones), so the
/// varying values come from inside libtorch, and the pattern points at oneDNN's CPU-specific JIT kernels: the failing
/// encoders are exactly those with a strided 1×1 convolution whose input has fewer channels than oneDNN's channel
/// block (16 on AVX-512, 8 on AVX2), the case in which oneDNN's 1×1 backward-weights kernels take their "reduce to
/// unit stride" path, reported to write past its workspace when oneDNN picks the channels-last layout (oneDNN issue
/// #6035, open as of 2026-12; on the Zen 4 development machine oneDNN picks the blocked layout there and the results
/// are right). A write past a buffer lands in whatever libtorch allocated next, hence values that differ from run to
/// run. With oneDNN off, libtorch convolves with its own ATen kernels (im2col and BLAS), which do not depend on the
/// CPU's JIT path. The price on a 2-core AVX-512 machine: the seed CNN trains at about 0.7× the
/// oneDNN speed on TorchSharp-CPU — the engine, not this backend, is the CPU path.
/// </para>
/// </summary>
internal static class LibTorchKernels
{
    private static readonly object Gate = new();
    private static Bindings? _bindings;
    private static bool _bound;

    /// <summary>True when this platform's libtorch exports the switches (false: they cannot be changed, and nothing is).</summary>
    public static bool Available => Bind() is not null;

    /// <summary>Whether libtorch may use oneDNN for CPU work (null when the switch is not available).</summary>
    public static bool? OneDnn
    {
        get => Bind() is { } b ? b.GetMkldnn(b.Context()) != 0 : null;
        set { if (value is { } v && Bind() is { } b) b.SetMkldnn(b.Context(), v ? (byte)1 : (byte)0); }
    }

    /// <summary>Whether libtorch may use NNPACK for CPU convolutions without gradient (null when not available).</summary>
    public static bool? Nnpack
    {
        get => Bind() is { } b ? b.GetNnpack(b.Context()) != 0 : null;
        set { if (value is { } v && Bind() is { } b) b.SetNnpack(b.Context(), v ? (byte)1 : (byte)0); }
    }

    /// <summary>Sets both switches and returns a scope that restores their previous values when disposed.</summary>
    public static IDisposable Use(bool oneDnn, bool nnpack)
    {
        var previous = (OneDnn, Nnpack);
        OneDnn = oneDnn;
        Nnpack = nnpack;
        return new Restore(() => { OneDnn = previous.OneDnn; Nnpack = previous.Nnpack; });
    }

    private sealed class Restore(Action undo) : IDisposable
    {
        private Action? _undo = undo;

        public void Dispose() => Interlocked.Exchange(ref _undo, null)?.Invoke();
    }

    private static Bindings? Bind()
    {
        lock (Gate)
        {
            if (_bound) return _bindings;
            _bound = true;
            TorchNativeLoader.EnsureLoaded();
            _ = global::TorchSharp.torch.get_num_threads(); // TorchSharp loads libtorch (and libtorch_cpu) here
            _bindings = Bindings.TryCreate(typeof(global::TorchSharp.torch).Assembly);
            return _bindings;
        }
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr GlobalContext();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void SetFlag(IntPtr context, byte value);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate byte GetFlag(IntPtr context);

    private sealed record Bindings(GlobalContext Context, SetFlag SetMkldnn, GetFlag GetMkldnn, SetFlag SetNnpack, GetFlag GetNnpack)
    {
        private static readonly string[] Libraries = ["libtorch_cpu.so", "libtorch_cpu.dylib", "torch_cpu.dll", "torch_cpu"];

        private static readonly (string Itanium, string Msvc)[] Names =
        [
            ("_ZN2at13globalContextEv", "?globalContext@at@@YAAEAVContext@1@XZ"),
            ("_ZN2at7Context20setUserEnabledMkldnnEb", "?setUserEnabledMkldnn@Context@at@@QEAAX_N@Z"),
            ("_ZNK2at7Context17userEnabledMkldnnEv", "?userEnabledMkldnn@Context@at@@QEBA_NXZ"),
            ("_ZN2at7Context20setUserEnabledNNPACKEb", "?setUserEnabledNNPACK@Context@at@@QEAAX_N@Z"),
            ("_ZNK2at7Context17userEnabledNNPACKEv", "?userEnabledNNPACK@Context@at@@QEBA_NXZ"),
        ];

        public static Bindings? TryCreate(Assembly torchAssembly)
        {
            foreach (var library in Libraries)
            {
                if (!NativeLibrary.TryLoad(library, torchAssembly, null, out var handle) && !NativeLibrary.TryLoad(library, out handle))
                    continue;
                var exports = new IntPtr[Names.Length];
                bool all = true;
                for (int i = 0; i < Names.Length && all; i++)
                    all = NativeLibrary.TryGetExport(handle, Names[i].Itanium, out exports[i]) || NativeLibrary.TryGetExport(handle, Names[i].Msvc, out exports[i]);
                if (!all) continue;
                return new Bindings(
                    Marshal.GetDelegateForFunctionPointer<GlobalContext>(exports[0]),
                    Marshal.GetDelegateForFunctionPointer<SetFlag>(exports[1]),
                    Marshal.GetDelegateForFunctionPointer<GetFlag>(exports[2]),
                    Marshal.GetDelegateForFunctionPointer<SetFlag>(exports[3]),
                    Marshal.GetDelegateForFunctionPointer<GetFlag>(exports[4]));
            }
            return null;
        }
    }
}

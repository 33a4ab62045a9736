using System.Globalization;
using MLNetMarginLoss.TorchBackend.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetMarginLoss.TorchBackend;

/// <summary>Parses and resolves the device names the backend accepts: cpu, cuda, cuda:N, auto.</summary>
internal static class TorchDevices
{
    /// <summary>What to do when CUDA is asked for and not found.</summary>
    internal const string CudaHelp =
        "To train on an NVIDIA GPU, reference the CUDA build of libtorch instead of the CPU one: the NuGet package " +
        "TorchSharp-cuda-linux (Linux) or TorchSharp-cuda-windows (Windows), version 0.107.0, in place of TorchSharp-cpu; " +
        "install an NVIDIA driver recent enough for that package's CUDA version and check that nvidia-smi lists the GPU. " +
        "Or use the device \"auto\", which falls back to the CPU.";

    /// <summary>The canonical lower-case form of a device name.</summary>
    /// <exception cref="ArgumentException">Not cpu, cuda, cuda:N (N ≥ 0) or auto.</exception>
    public static string Normalize(string device)
    {
        ArgumentNullException.ThrowIfNull(device);
        string d = device.Trim().ToLowerInvariant();
        if (d is "cpu" or "cuda" or "auto") return d;
        if (d.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(d.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int index) && index >= 0)
            return "cuda:" + index.ToString(CultureInfo.InvariantCulture);
        throw new ArgumentException($"Unknown device '{device}': use \"cpu\", \"cuda\", \"cuda:N\" (GPU number N) or \"auto\".", nameof(device));
    }

    /// <summary>The TorchSharp device for a normalised name (loads libtorch).</summary>
    /// <exception cref="InvalidOperationException">CUDA was requested and is not available, or GPU N does not exist.</exception>
    public static Device Resolve(string device)
    {
        TorchNativeLoader.EnsureLoaded();
        if (device == "cpu") return CPU;
        bool available = cuda.is_available();
        if (device == "auto") return available ? new Device(DeviceType.CUDA, 0) : CPU;
        if (!available)
            throw new InvalidOperationException($"The TorchSharp backend was asked for the device '{device}', but TorchSharp finds no CUDA GPU. {CudaHelp}");
        int index = device == "cuda" ? 0 : int.Parse(device.AsSpan(5), CultureInfo.InvariantCulture);
        int count = cuda.device_count();
        if (index >= count)
            throw new InvalidOperationException($"The TorchSharp backend was asked for the device '{device}', but TorchSharp finds {count} CUDA GPU(s) (cuda:0 … cuda:{count - 1}).");
        return new Device(DeviceType.CUDA, index);
    }

    /// <summary>"cpu" or "cuda:N".</summary>
    public static string Describe(Device device) =>
        device.type == DeviceType.CUDA ? $"cuda:{Math.Max(0, device.index)}" : device.type.ToString().ToLowerInvariant();
}

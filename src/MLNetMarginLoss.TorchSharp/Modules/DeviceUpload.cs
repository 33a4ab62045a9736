using TorchSharp;
using static TorchSharp.torch;

namespace MLNetMarginLoss.TorchBackend.Modules;

/// <summary>
/// Host-to-device copies that do not wait for the device: on CUDA the values go through page-locked memory with a
/// non-blocking copy (libtorch's pinned allocator keeps the staging block until the copy has run), so uploading a
/// batch never stalls the queue of work already sent. On the CPU the host tensor is used as it is.
/// </summary>
internal static class DeviceUpload
{
    public static Tensor Doubles(double[] values, Device device) => Move(tensor(values, ScalarType.Float64), device);

    public static Tensor Floats(float[] values, long[] shape, Device device) => Move(tensor(values, shape, ScalarType.Float32), device);

    public static Tensor Longs(long[] values, Device device) => Move(tensor(values, ScalarType.Int64), device);

    private static Tensor Move(Tensor host, Device device)
    {
        if (device.type == DeviceType.CPU) return host;
        using (host)
        using (var pinned = host.pin_memory())
            return pinned.to(device, non_blocking: true);
    }
}

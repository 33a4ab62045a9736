using MLNetMarginLoss.TorchBackend;
using MLNetMarginLoss.TorchBackend.Native;
using MLNetMarginLoss.TorchBackend.Training;
using MLNetMarginLoss.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetMarginLoss;

/// <summary>
/// Trains with TorchSharp (libtorch) instead of the engine, on a GPU or the CPU:
/// <c>new ArcFaceTrainer.Options { Backend = new TorchSharpBackend("cuda") }</c>.
/// <para>
/// Same model, same meaning of every option: the encoders and all twelve heads are TorchSharp modules with the
/// engine's parameter names and layouts ("0.weight", "head.weight", head buffers), initialised from the same seed
/// with the same weights, trained on the same (seed, epoch)-derived shuffles with PyTorch's Adam, AdamW, SGD and
/// Adadelta (the update rules the engine follows), the engine's learning-rate schedules, head learning-rate
/// multiplier, frozen layers, softmax warm-up, validation, early stopping with the best weights, checkpoints (in the
/// engine's format: a run resumes on either backend) and divergence guard. The weights come back as engine objects,
/// so the trained transformer, its ONNX graph and the saved ML.NET model are the same whichever backend trained
/// them. Gradients come from autograd and are checked against the engine's hand-written ones by the test suite.
/// </para>
/// <para>
/// Native libtorch: this package references only TorchSharp's managed bindings. The application references the
/// natives: <c>TorchSharp-cpu</c> (CPU), <c>TorchSharp-cuda-linux</c> (NVIDIA GPUs on Linux) or
/// <c>TorchSharp-cuda-windows</c> (NVIDIA GPUs on Windows), all version 0.107.0 — swap the CPU package for the CUDA
/// one to train on a GPU; nothing else changes. On Linux systems whose libstdc++ predates GCC 13 (Debian 12, Ubuntu
/// 22.04) the backend makes TorchSharp's native shim loadable without any setting or system change (a patched copy in
/// the per-user cache folder); glibc 2.34 or newer is required.
/// </para>
/// <para>
/// On CPUs the engine is faster (it is tuned for them); choose this backend for GPUs, or as an independent check.
/// </para>
/// </summary>
public sealed class TorchSharpBackend : TrainingBackend
{
    private readonly object _gate = new();
    private Device? _device;

    /// <summary>Creates the backend for <paramref name="device"/>.</summary>
    /// <param name="device">
    /// "cpu", "cuda" (the first GPU), "cuda:N" (GPU N) or "auto" (CUDA when TorchSharp finds a GPU, else the CPU).
    /// Default "auto". The device is resolved when training starts (or when <see cref="Device"/> is first read).
    /// </param>
    /// <remarks>
    /// The constructor prepares TorchSharp's native libraries (see the class remarks), so create the backend before the
    /// application itself uses <c>TorchSharp.torch</c>, if it does.
    /// </remarks>
    /// <exception cref="ArgumentException">The device is not one of these forms.</exception>
    /// <exception cref="PlatformNotSupportedException">libtorch cannot load on this system (glibc older than 2.34); the message says why.</exception>
    public TorchSharpBackend(string device = "auto")
    {
        RequestedDevice = TorchDevices.Normalize(device);
        TorchNativeLoader.EnsureLoaded();
    }

    /// <summary>The device as requested ("auto", "cpu", "cuda", "cuda:1").</summary>
    public string RequestedDevice { get; }

    /// <summary>
    /// Training and validation sets up to this many bytes of features are uploaded to the device once, and batches
    /// are gathered there; larger sets are gathered batch by batch on the host and uploaded. Default 2 GiB.
    /// </summary>
    public long MaxDeviceDataBytes { get; init; } = 2L << 30;

    /// <summary>
    /// TensorFloat-32 on NVIDIA GPUs (Ampere and newer): true lets matrix products and cuDNN convolutions round their
    /// inputs to 10-bit mantissas (faster, about 1e-3 relative error); false keeps full float32 precision, as the
    /// engine computes. Set for the duration of training and restored afterwards. Default null: libtorch's own
    /// defaults (matrix products in float32, cuDNN convolutions allowed to use TF32). No effect on the CPU.
    /// </summary>
    public bool? AllowTf32 { get; init; }

    /// <summary>
    /// On the CPU, let libtorch use oneDNN (and NNPACK) kernels. Default false: libtorch's own ATen kernels, because
    /// oneDNN's CPU-specific convolution kernels corrupted the ResNet encoders' gradients on some AMD EPYC CPUs (see
    /// the README's TorchSharp section). The switch is process-wide in libtorch; it is set for the duration of training
    /// and restored afterwards. No effect on GPUs (cuDNN) or where libtorch does not export the switch.
    /// </summary>
    public bool UseOneDnnOnCpu { get; init; }

    /// <inheritdoc />
    public override string Name => "torchsharp";

    /// <summary>
    /// The device training runs on: "cpu" or "cuda:N" ("auto" resolved). Reading it loads libtorch.
    /// </summary>
    /// <exception cref="InvalidOperationException">CUDA was requested and TorchSharp finds no GPU; the message says which package to reference.</exception>
    public override string Device => TorchDevices.Describe(ResolveDevice());

    /// <summary>True when TorchSharp finds a CUDA GPU (a TorchSharp CUDA package, a driver and a GPU). Loads libtorch.</summary>
    public static bool IsCudaAvailable
    {
        get
        {
            TorchNativeLoader.EnsureLoaded();
            return cuda.is_available();
        }
    }

    /// <summary>"torchsharp (cuda:0)"; "torchsharp (cuda, unavailable)" when the requested device cannot be used.</summary>
    public override string ToString()
    {
        try
        {
            return $"{Name} ({Device})";
        }
        catch (InvalidOperationException)
        {
            return $"{Name} ({RequestedDevice}, unavailable)";
        }
    }

    internal TorchSharp.torch.Device ResolveDevice()
    {
        lock (_gate) return _device ??= TorchDevices.Resolve(RequestedDevice);
    }

    internal override TrainingSession CreateSession(TrainingSetup setup)
    {
        var device = ResolveDevice();
        return new TorchSession(setup, device, TorchDevices.Describe(device), MaxDeviceDataBytes);
    }

    internal override TrainedNetwork Train(TrainingJob job)
    {
        var device = ResolveDevice();
        int previousThreads = get_num_threads();
        bool setThreads = job.Settings.Threads > 0 && device.type == DeviceType.CPU;
        bool setTf32 = AllowTf32 is not null && device.type == DeviceType.CUDA;
        bool previousMatmulTf32 = setTf32 && backends.cuda.matmul.allow_tf32, previousCudnnTf32 = setTf32 && backends.cudnn.allow_tf32;
        if (setThreads) set_num_threads(job.Settings.Threads);
        if (setTf32) backends.cuda.matmul.allow_tf32 = backends.cudnn.allow_tf32 = AllowTf32!.Value;
        using var kernels = device.type == DeviceType.CPU ? LibTorchKernels.Use(oneDnn: UseOneDnnOnCpu, nnpack: UseOneDnnOnCpu) : null;
        try
        {
            return base.Train(job);
        }
        finally
        {
            if (setThreads) set_num_threads(previousThreads);
            if (setTf32)
            {
                backends.cuda.matmul.allow_tf32 = previousMatmulTf32;
                backends.cudnn.allow_tf32 = previousCudnnTf32;
            }
        }
    }
}

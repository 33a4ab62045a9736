using System.Globalization;
using MLNetMarginLoss.TorchBackend.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace MLNetMarginLoss.TorchBackend.Tests;

/// <summary>
/// The test host's first touch of TorchSharp goes through the product's entry point, as an application's does: the
/// backend's constructor runs the native loader before any test uses <c>TorchSharp.torch</c>.
/// </summary>
[TestClass]
public static class TestAssembly
{
    [AssemblyInitialize]
    public static void Initialize(TestContext context)
    {
        _ = new TorchSharpBackend("cpu");
        // The modules are also exercised directly (agreement tests), outside TorchSharpBackend.Train: give them the
        // kernels the backend trains with on the CPU (ATen's own, not oneDNN's; see LibTorchKernels).
        LibTorchKernels.OneDnn = false;
        LibTorchKernels.Nnpack = false;
        // The agreement tests compare float32 with float32: no TensorFloat-32 on GPUs that have it.
        if (TestDevice.Device.type == DeviceType.CUDA) backends.cuda.matmul.allow_tf32 = backends.cudnn.allow_tf32 = false;
    }
}

/// <summary>The device the cross-backend and training tests run on, and comparison helpers.</summary>
internal static class TestDevice
{
    /// <summary>The environment variable that selects the device ("cpu" when unset); build/test-gpu.sh sets "cuda".</summary>
    public const string Variable = "MLNET_MARGIN_TEST_DEVICE";

    private static readonly Lazy<Device> Resolved = new(() => TorchDevices.Resolve(TorchDevices.Normalize(Name)));

    /// <summary>The requested device name.</summary>
    public static string Name => Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } d ? d : "cpu";

    /// <summary>The TorchSharp device (fails when CUDA is requested and missing: a GPU run must not pass on the CPU).</summary>
    public static Device Device => Resolved.Value;

    /// <summary>A backend on the test device (full float32 precision on GPUs too).</summary>
    public static TorchSharpBackend Backend() => new(Name) { AllowTf32 = false };
}

/// <summary>Relative differences between engine results and TorchSharp results.</summary>
internal static class Agreement
{
    /// <summary>
    /// max |a − b| / max(max |b|, <paramref name="scaleFloor"/>) (b the engine's values); 0 when both are all zero. The
    /// floor serves values whose exact result is zero and whose computed values are rounding noise.
    /// </summary>
    public static double Relative(ReadOnlySpan<float> torchValues, ReadOnlySpan<float> engineValues, double scaleFloor = 0)
    {
        if (torchValues.Length != engineValues.Length)
            throw new AssertFailedException($"length {torchValues.Length} (TorchSharp) vs {engineValues.Length} (engine)");
        double diff = 0, scale = 0;
        for (int i = 0; i < engineValues.Length; i++)
        {
            double a = torchValues[i], b = engineValues[i];
            if (double.IsNaN(a) || double.IsNaN(b)) return double.PositiveInfinity;
            diff = Math.Max(diff, Math.Abs(a - b));
            scale = Math.Max(scale, Math.Abs(b));
        }
        return diff == 0 ? 0 : diff / Math.Max(Math.Max(scale, scaleFloor), 1e-30);
    }

    /// <summary>Host copy of a tensor.</summary>
    public static float[] Host(Tensor t) => Modules.TensorTransfer.ToArray(t);

    /// <summary>Asserts agreement within <paramref name="tolerance"/> and returns the relative difference.</summary>
    public static double Check(string what, Tensor torchValue, ReadOnlySpan<float> engineValues, double tolerance, double scaleFloor = 0)
    {
        var host = Host(torchValue);
        double r = Relative(host, engineValues, scaleFloor);
        Assert.IsTrue(r <= tolerance, $"{what}: relative difference {r:E2} exceeds {tolerance:E0} (max |TorchSharp| {MaxAbs(host):E3}, max |engine| {MaxAbs(engineValues):E3})");
        return r;
    }

    public static double MaxAbs(ReadOnlySpan<float> values)
    {
        double m = 0;
        foreach (var v in values) m = Math.Max(m, Math.Abs(v));
        return m;
    }

    public static string Format(double v) => v.ToString("0.0E+0", CultureInfo.InvariantCulture);
}

/// <summary>The smallest real use of libtorch: a 2×2 matrix product on the backend's device.</summary>
internal static class TorchSmoke
{
    public static double Run(TorchSharpBackend backend)
    {
        var device = backend.ResolveDevice(); // before anything touches TorchSharp.torch
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 1, 2, 3, 4 }, [2, 2], ScalarType.Float32, device);
        return a.matmul(a)[1, 1].item<float>();
    }
}

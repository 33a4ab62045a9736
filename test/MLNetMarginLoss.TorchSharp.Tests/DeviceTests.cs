using static TorchSharp.torch;

namespace MLNetMarginLoss.TorchBackend.Tests;

/// <summary>Device names, their resolution, and the error that says what to install when CUDA is missing.</summary>
[TestClass]
public sealed class DeviceTests
{
    [TestMethod]
    [DataRow("cpu", "cpu")]
    [DataRow(" CUDA ", "cuda")]
    [DataRow("cuda:1", "cuda:1")]
    [DataRow("cuda:01", "cuda:1")]
    [DataRow("Auto", "auto")]
    public void DeviceNamesAreNormalised(string given, string expected) =>
        Assert.AreEqual(expected, new TorchSharpBackend(given).RequestedDevice);

    [TestMethod]
    [DataRow("gpu")]
    [DataRow("cuda:")]
    [DataRow("cuda:-1")]
    [DataRow("cuda:x")]
    [DataRow("")]
    public void UnknownDeviceNamesAreRejected(string given)
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => new TorchSharpBackend(given));
        StringAssert.Contains(e.Message, "\"cuda:N\"");
    }

    [TestMethod]
    public void CpuIsAlwaysAvailable()
    {
        var backend = new TorchSharpBackend("cpu");
        Assert.AreEqual("cpu", backend.Device);
        Assert.AreEqual("torchsharp", backend.Name);
        Assert.AreEqual("torchsharp (cpu)", backend.ToString());
    }

    [TestMethod]
    public void AutoPicksCudaWhenPresentElseTheCpu()
    {
        var backend = new TorchSharpBackend("auto");
        Assert.AreEqual(TorchSharpBackend.IsCudaAvailable ? "cuda:0" : "cpu", backend.Device);
    }

    /// <summary>Without a GPU (or with the CPU package), asking for CUDA fails at once and names the packages to reference.</summary>
    [TestMethod]
    public void CudaWithoutAGpuSaysWhatToInstall()
    {
        var backend = new TorchSharpBackend("cuda");
        if (TorchSharpBackend.IsCudaAvailable)
        {
            Assert.AreEqual("cuda:0", backend.Device);
            var beyond = new TorchSharpBackend($"cuda:{cuda.device_count()}");
            var tooFar = Assert.ThrowsExactly<InvalidOperationException>(() => _ = beyond.Device);
            StringAssert.Contains(tooFar.Message, "finds");
            return;
        }
        Assert.AreEqual("torchsharp (cuda, unavailable)", backend.ToString());
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => _ = backend.Device);
        StringAssert.Contains(e.Message, "TorchSharp-cuda-linux");
        StringAssert.Contains(e.Message, "TorchSharp-cuda-windows");
        StringAssert.Contains(e.Message, "TorchSharp-cpu");
        StringAssert.Contains(e.Message, "nvidia-smi");
        var options = new ArcFaceTrainer.Options { Backend = backend, MaxEpoch = 1 };
        var ml = new Microsoft.ML.MLContext(0);
        var data = DataViews.ToDataView(ml, DataViews.Clusters(64));
        var fit = Assert.ThrowsExactly<InvalidOperationException>(() => DataViews.Fit(ml, data, new ArcFaceTrainer(options)));
        StringAssert.Contains(fit.Message, "TorchSharp-cuda-linux");
    }
}

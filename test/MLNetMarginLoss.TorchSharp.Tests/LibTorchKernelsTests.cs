using MLNetMarginLoss.Data;
using MLNetMarginLoss.TorchBackend.Native;
using Microsoft.ML;

namespace MLNetMarginLoss.TorchBackend.Tests;

/// <summary>
/// The backend trains on the CPU with libtorch's own ATen kernels, not oneDNN's (see <see cref="LibTorchKernels"/>):
/// the switches are found in this platform's libtorch, change what libtorch reports, are in force while a CPU run
/// trains and are restored afterwards.
/// </summary>
[TestClass]
public sealed class LibTorchKernelsTests
{
    [TestMethod]
    public void TheSwitchesAreFoundAndChangeWhatLibtorchReports()
    {
        Assert.IsTrue(LibTorchKernels.Available, "libtorch_cpu exports at::Context's oneDNN and NNPACK switches on this platform");
        var before = (LibTorchKernels.OneDnn, LibTorchKernels.Nnpack);
        using (LibTorchKernels.Use(oneDnn: true, nnpack: true))
        {
            Assert.IsTrue(LibTorchKernels.OneDnn);
            Assert.IsTrue(LibTorchKernels.Nnpack);
            using (LibTorchKernels.Use(oneDnn: false, nnpack: false))
            {
                Assert.IsFalse(LibTorchKernels.OneDnn);
                Assert.IsFalse(LibTorchKernels.Nnpack);
            }
            Assert.IsTrue(LibTorchKernels.OneDnn, "the inner scope restored the outer values");
        }
        Assert.AreEqual(before, (LibTorchKernels.OneDnn, LibTorchKernels.Nnpack));
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void ACpuRunTrainsWithTheKernelsItAsksForAndRestoresThem(bool useOneDnn)
    {
        var seen = new List<bool?>();
        var options = new ArcFaceTrainer.Options
        {
            Encoder = new EncoderSpec { Kind = EncoderKind.Mlp, HiddenSizes = [16], EmbeddingSize = 8 },
            MaxEpoch = 1,
            BatchSize = 64,
            Backend = new TorchSharpBackend("cpu") { UseOneDnnOnCpu = useOneDnn },
            Progress = new SynchronousProgress(_ => seen.Add(LibTorchKernels.OneDnn)),
        };
        var ml = new MLContext(seed: 0);
        var data = ml.Transforms.Conversion.MapValueToKey("Label").Fit(DataViews.ToDataView(ml, DataViews.Clusters(256, seed: 1)));
        var before = LibTorchKernels.OneDnn;
        using (LibTorchKernels.Use(oneDnn: !useOneDnn, nnpack: !useOneDnn))
        {
            new ArcFaceTrainer(options).Fit(data.Transform(DataViews.ToDataView(ml, DataViews.Clusters(256, seed: 1))));
            Assert.AreEqual(!useOneDnn, LibTorchKernels.OneDnn, "restored after training");
        }
        Assert.AreEqual(before, LibTorchKernels.OneDnn);
        Assert.IsTrue(seen.Count > 0);
        CollectionAssert.AreEqual(Enumerable.Repeat<bool?>(useOneDnn, seen.Count).ToList(), seen, "oneDNN while training");
    }

    private sealed class SynchronousProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}

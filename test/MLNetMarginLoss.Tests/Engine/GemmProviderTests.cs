using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Kernels;

namespace MLNetMarginLoss.Tests.Engine;

[TestClass]
public sealed class GemmProviderTests
{
    [TestMethod]
    public void OpenBlasLoadsWhereSetupInstalledIt()
    {
        // build/setup.sh installs libopenblas0-pthread, so the native path must be live in CI.
        Assert.IsTrue(OpenBlasGemm.IsAvailable, "OpenBLAS did not load; run build/setup.sh.");
        using var blas = ComputeContext.Create(GemmProvider.OpenBlas, 2);
        Assert.AreEqual("openblas", blas.Gemm.Name);
    }

    [TestMethod]
    public void AutoPrefersTheAvx512ManagedKernelElseOpenBlas()
    {
        using var ctx = ComputeContext.Create(GemmProvider.Auto, 2);
        var expected = GemmKernelConfig.Avx512Tile14x32.IsSupported ? GemmProvider.Managed
            : OpenBlasGemm.IsAvailable ? GemmProvider.OpenBlas : GemmProvider.Managed;
        Assert.AreEqual(expected, ctx.Provider);
        Assert.AreNotEqual(GemmProvider.Auto, ctx.Provider);
    }

    [TestMethod]
    public void GemmRejectsTooSmallBuffers()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() =>
            ReferenceGemm.Instance.Sgemm(false, false, 2, 2, 2, 1, new float[3], 2, new float[4], 2, 0, new float[4], 2));
        StringAssert.Contains(ex.Message, "buffer A");
    }
}

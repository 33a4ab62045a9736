using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Engine.Kernels;

namespace MLNetMarginLoss.Tests.Engine;

[TestClass]
public sealed class GemmProviderTests
{
    [TestMethod]
    public void OpenBlasLoadsWhereSetupInstalledIt()
    {
        // build/setup.sh installs libopenblas0-pthread, so the fast path must be live in CI.
        Assert.IsTrue(OpenBlasGemm.IsAvailable, "OpenBLAS did not load; run build/setup.sh.");
        using var ctx = ComputeContext.Create(GemmProvider.Auto, 2);
        Assert.AreEqual(GemmProvider.OpenBlas, ctx.Provider);
    }

    [TestMethod]
    public void GemmRejectsTooSmallBuffers()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() =>
            ReferenceGemm.Instance.Sgemm(false, false, 2, 2, 2, 1, new float[3], 2, new float[4], 2, 0, new float[4], 2));
        StringAssert.Contains(ex.Message, "buffer A");
    }
}

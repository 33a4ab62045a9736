using MLNetMarginLoss.Plotting;

namespace MLNetMarginLoss.Tests.Plotting;

[TestClass]
public sealed class TickLabelTests
{
    [TestMethod]
    public void DecimalLabelsShareTheNumberOfDecimals()
    {
        CollectionAssert.AreEqual(new[] { "2.5", "3.0", "3.5" }, DecimalTicks.Format([2.5, 3, 3.5]));
        CollectionAssert.AreEqual(new[] { "0.0000", "0.0005", "0.0010" }, DecimalTicks.Format([0, 0.0005, 0.001]));
        CollectionAssert.AreEqual(new[] { "-1", "0", "1" }, DecimalTicks.Format([-1, -0.0, 1]));
        CollectionAssert.AreEqual(new[] { "0", "5E+6", "1E+7" }, DecimalTicks.Format([0, 5e6, 1e7]));
    }

    [TestMethod]
    public void LogLabelsAreFixedPointPowersOfTen()
    {
        CollectionAssert.AreEqual(new[] { "0.0001", "0.001", "0.01", "0.1", "1", "10" },
            Enumerable.Range(-4, 6).Select(LogTicks.Label).ToArray());
    }
}

using MLNetMarginLoss.Data;

namespace MLNetMarginLoss.Tests;

/// <summary>Real Fashion-MNIST subsets for training tests, loaded once per test run.</summary>
internal static class FashionMnist
{
    private static readonly Lazy<Dataset> LazyTrain = new(() => MLNetMarginLoss.FashionMnist.LoadDataset(limit: 20000));
    private static readonly Lazy<Dataset> LazyTest = new(() => MLNetMarginLoss.FashionMnist.LoadDataset(test: true, limit: 10000));

    /// <summary>The first <paramref name="rows"/> training rows (at most 20,000).</summary>
    public static Dataset Train(int rows) => LazyTrain.Value.Take(rows);

    /// <summary>The first <paramref name="rows"/> test rows (at most 10,000).</summary>
    public static Dataset Test(int rows) => LazyTest.Value.Take(rows);
}

using MLNetMarginLoss.Heads;
using MLNetMarginLoss.Training;

namespace MLNetMarginLoss.Tests.Training;

/// <summary>Each head, behind the same trainer, learns real Fashion-MNIST data (a small subset, so CI stays fast).</summary>
[TestClass]
public sealed class EveryHeadTrainsTests
{
    public static IEnumerable<object[]> AllHeads => Enum.GetValues<HeadKind>().Select(h => new object[] { h });

    [TestMethod]
    [DynamicData(nameof(AllHeads))]
    public void HeadReachesClearlyAboveChance(HeadKind head)
    {
        // Head defaults except a moderate scale; 3000 rows, 2 epochs of a 784-128-32 MLP. Chance is 0.10.
        var options = TestModels.SmallMlp(head, epochs: 2, headOptions: new HeadOptions { Scale = head == HeadKind.AdaCos ? null : 16 });
        var model = new ArcFaceTrainer(options).Fit(FashionMnist.Train(3000));
        double accuracy = TestModels.Accuracy(model, FashionMnist.Test(1000));
        Assert.IsGreaterThanOrEqualTo(0.70, accuracy, $"{head}: test accuracy {accuracy:F3}");
        Assert.AreEqual(HeadFactory.Name(head), model.Head.Kind);
    }
}

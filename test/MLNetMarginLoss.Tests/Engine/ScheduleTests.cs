using MLNetMarginLoss.Engine.Schedules;

namespace MLNetMarginLoss.Tests.Engine;

[TestClass]
public sealed class ScheduleTests
{
    private const double Tolerance = 1e-7;

    [TestMethod]
    public void ConstantKeepsTheBaseRate()
    {
        var schedule = new ConstantSchedule(0.01f);
        Assert.AreEqual(0.01f, schedule.GetLearningRate(0, 0, 10));
        Assert.AreEqual(0.01f, schedule.GetLearningRate(500, 9, 10));
        Assert.IsEmpty(schedule.GetState());
    }

    [TestMethod]
    [DataRow(0, 0.1)]
    [DataRow(2, 0.1)]
    [DataRow(3, 0.05)]
    [DataRow(5, 0.05)]
    [DataRow(6, 0.025)]
    [DataRow(9, 0.0125)]
    public void StepHalvesEveryThreeEpochs(int epoch, double expected)
    {
        var schedule = new StepSchedule(0.1f, stepSize: 3, gamma: 0.5);
        Assert.AreEqual(expected, schedule.GetLearningRate(epoch, 0, 4), Tolerance);
        Assert.AreEqual(expected, schedule.GetLearningRate(epoch, 3, 4), Tolerance, "the rate is constant within an epoch");
    }

    [TestMethod]
    [DataRow(0, 1.0)]
    [DataRow(1, 1.0)]
    [DataRow(2, 0.1)]
    [DataRow(4, 0.1)]
    [DataRow(5, 0.01)]
    [DataRow(8, 0.01)]
    [DataRow(9, 0.0001)] // 9 is listed twice: two decays at once
    [DataRow(50, 0.0001)]
    public void MultiStepDecaysAtEachMilestone(int epoch, double expected)
    {
        var schedule = new MultiStepSchedule(1f, [9, 5, 2, 9], gamma: 0.1);
        Assert.AreEqual(expected, schedule.GetLearningRate(epoch, 1, 3), expected * 1e-6);
        CollectionAssert.AreEqual(new[] { 2, 5, 9, 9 }, schedule.Milestones.ToArray());
    }

    [TestMethod]
    // base 0.1, min 0.001, 10 epochs of 5 steps, 2 warm-up epochs: W = 10 warm-up steps, T = 50 steps.
    [DataRow(0, 0, 0.01)]          // (0 + 1)/10 · 0.1
    [DataRow(0, 4, 0.05)]          // (4 + 1)/10 · 0.1
    [DataRow(1, 4, 0.1)]           // last warm-up step reaches the base rate
    [DataRow(2, 0, 0.1)]           // cosine starts at the top: progress 0
    [DataRow(4, 0, 0.0855017850)]  // progress 10/40: 0.001 + 0.099·(1 + cos(π/4))/2 = 0.001 + 0.099·0.8535534
    [DataRow(6, 0, 0.0505)]        // progress 1/2: midway between 0.1 and 0.001
    [DataRow(9, 4, 0.0011525920)]  // progress 39/40: 0.001 + 0.099·(1 − cos(π/40))/2 = 0.001 + 0.099·0.0015413331
    [DataRow(10, 0, 0.001)]        // after the end: the minimum
    [DataRow(40, 3, 0.001)]
    public void CosineWarmsUpThenDecaysPerStep(int epoch, int step, double expected)
    {
        var schedule = new CosineSchedule(0.1f, totalEpochs: 10, warmupEpochs: 2, minLearningRate: 0.001f);
        Assert.AreEqual(expected, schedule.GetLearningRate(epoch, step, 5), 1e-6);
    }

    [TestMethod]
    public void CosineIsMonotonicInEachPhaseAndStartsAtTheBaseWithoutWarmUp()
    {
        var schedule = new CosineSchedule(1f, totalEpochs: 4, warmupEpochs: 1);
        Assert.AreEqual(1f / 7, schedule.GetLearningRate(0, 0, 7), 1e-7);
        float previous = 0f;
        for (int s = 0; s < 7; s++)
        {
            float lr = schedule.GetLearningRate(0, s, 7);
            Assert.IsGreaterThan(previous, lr, $"warm-up step {s}");
            previous = lr;
        }
        for (int e = 1; e < 4; e++)
        {
            for (int s = 0; s < 7; s++)
            {
                float lr = schedule.GetLearningRate(e, s, 7);
                Assert.IsLessThanOrEqualTo(previous, lr, $"decay epoch {e} step {s}");
                previous = lr;
            }
        }
        Assert.AreEqual(1f, new CosineSchedule(1f, totalEpochs: 3).GetLearningRate(0, 0, 7));
        // Half-way through a schedule without warm-up (global step 3 of 6: epoch 1, step 1): (1 + cos(π/2))/2 = 0.5.
        Assert.AreEqual(0.5, new CosineSchedule(1f, totalEpochs: 3).GetLearningRate(1, 1, 2), 1e-7);
    }

    [TestMethod]
    public void PlateauReducesAfterPatienceRespectingCooldownAndMinimum()
    {
        // factor 0.5, patience 2, cooldown 1, min 0.02. Worked by hand (and matches PyTorch's ReduceLROnPlateau):
        // epoch 0 sets best = 1; epochs 1, 2, 3 are bad (1, 2, 3 > patience at epoch 3 → 0.05, cooldown 1);
        // epoch 4 is in cooldown (not counted); epochs 5, 6, 7 bad → 0.025 at 7; epoch 8 in cooldown;
        // epoch 9 improves (0.9 < 1·(1 − 1e-4)); epochs 10, 11, 12 bad → max(0.0125, 0.02) = 0.02 at 12;
        // later plateaus cannot go below 0.02.
        var schedule = new ReduceOnPlateauSchedule(0.1f, factor: 0.5, patience: 2, cooldown: 1, minLearningRate: 0.02f);
        double[] losses = [1, 1, 1, 1, 1, 1, 1, 1, 1, 0.9, 1, 1, 1, 1, 1, 1, 1, 1];
        double[] expected = [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.025, 0.025, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02];
        for (int epoch = 0; epoch < losses.Length; epoch++)
        {
            schedule.ReportEpochEnd(epoch, losses[epoch]);
            Assert.AreEqual(expected[epoch], schedule.GetLearningRate(epoch + 1, 0, 10), 1e-7, $"after epoch {epoch}");
        }
        Assert.AreEqual(0.9, schedule.BestLoss);
    }

    [TestMethod]
    public void PlateauIgnoresImprovementsBelowTheRelativeThresholdAndMissingLosses()
    {
        var schedule = new ReduceOnPlateauSchedule(1f, factor: 0.1, patience: 1, threshold: 1e-2);
        schedule.ReportEpochEnd(0, 1.0);
        schedule.ReportEpochEnd(1, 0.995);           // needs < 0.99: bad epoch 1
        schedule.ReportEpochEnd(2, null);             // no validation: nothing changes
        Assert.AreEqual(1, schedule.BadEpochs);
        Assert.AreEqual(1f, schedule.GetLearningRate(3, 0, 1));
        schedule.ReportEpochEnd(3, 0.992);            // still not below 0.99: bad epoch 2 > patience → reduce
        Assert.AreEqual(0.1, schedule.GetLearningRate(4, 0, 1), 1e-7);
        Assert.AreEqual(1.0, schedule.BestLoss);
        schedule.ReportEpochEnd(4, 0.98);             // a real improvement resets
        Assert.AreEqual(0, schedule.BadEpochs);
        Assert.AreEqual(0.98, schedule.BestLoss);
    }

    [TestMethod]
    public void PlateauStateRoundTripsAndContinuesIdentically()
    {
        double[] losses = [3, 2.5, 2.6, 2.7, 2.4, 2.45, 2.5, 2.5, 2.5, 2.3, 2.4, 2.4, 2.4];
        var first = new ReduceOnPlateauSchedule(0.1f, factor: 0.3, patience: 1, cooldown: 2, minLearningRate: 0.001f);
        for (int e = 0; e < 5; e++) first.ReportEpochEnd(e, losses[e]);
        var state = first.GetState();
        var second = new ReduceOnPlateauSchedule(0.1f, factor: 0.3, patience: 1, cooldown: 2, minLearningRate: 0.001f);
        second.SetState(state);
        for (int e = 5; e < losses.Length; e++)
        {
            first.ReportEpochEnd(e, losses[e]);
            second.ReportEpochEnd(e, losses[e]);
            Assert.AreEqual(first.GetLearningRate(e + 1, 0, 1), second.GetLearningRate(e + 1, 0, 1), $"epoch {e}");
        }
        CollectionAssert.AreEqual(first.GetState(), second.GetState());
        Assert.IsLessThan(0.1f, first.GetLearningRate(99, 0, 1), "the sequence should have triggered a reduction");
        Assert.IsTrue(state.All(double.IsFinite), "state must be storable as plain numbers");
    }

    [TestMethod]
    public void BadArgumentsGiveClearMessages()
    {
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new StepSchedule(0.1f, 0)).Message, "Step size must be ≥ 1");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new StepSchedule(-1f, 2)).Message, "Base learning rate");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new StepSchedule(0.1f, 2, 0)).Message, "gamma");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new MultiStepSchedule(0.1f, [])).Message, "at least one milestone");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MultiStepSchedule(0.1f, [3, -1])).Message, "Milestones must be ≥ 0");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new CosineSchedule(0.1f, 5, 5)).Message, "Warm-up epochs");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new CosineSchedule(0.1f, 5, 0, 0.2f)).Message, "Minimum learning rate");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ReduceOnPlateauSchedule(0.1f, factor: 1.0)).Message, "Factor must be in (0, 1)");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ReduceOnPlateauSchedule(0.1f, patience: -1)).Message, "Patience");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new ReduceOnPlateauSchedule(0.1f).SetState([1, 2])).Message, "4 values");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => new ConstantSchedule(0.1f).SetState([1])).Message, "keeps no state");
        var schedule = new ConstantSchedule(0.1f);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => schedule.GetLearningRate(0, 5, 5)).Message, "Step in epoch must be in [0, 5)");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => schedule.GetLearningRate(-1, 0, 5)).Message, "Epoch must be ≥ 0");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => schedule.GetLearningRate(0, 0, 0)).Message, "Steps per epoch");
    }
}

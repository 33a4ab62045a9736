using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using MLNetMarginLoss.Data;
using FashionMnistData = MLNetMarginLoss.FashionMnist;

namespace MLNetMarginLoss.Tests.Data;

[TestClass]
public sealed class FashionMnistDataViewTests
{
    private static readonly string Images = Path.Combine(FashionMnistData.DefaultDirectory, "train-images-idx3-ubyte.gz");
    private static readonly string Labels = Path.Combine(FashionMnistData.DefaultDirectory, "train-labels-idx1-ubyte.gz");

    [TestMethod]
    public void SchemaHasShapedFeaturesAndANamedKeyLabel()
    {
        var view = FashionMnistData.Load(new MLContext(1), limit: 10);
        Assert.AreEqual(2, view.Schema.Count);
        var features = view.Schema["Features"].Type as VectorDataViewType;
        Assert.IsNotNull(features);
        Assert.AreEqual(NumberDataViewType.Single, features.ItemType);
        CollectionAssert.AreEqual(new[] { 1, 28, 28 }, features.Dimensions.ToArray());
        Assert.AreEqual(784, features.Size);
        var label = view.Schema["Label"].Type as KeyDataViewType;
        Assert.IsNotNull(label);
        Assert.AreEqual(typeof(uint), label.RawType);
        Assert.AreEqual(10UL, label.Count);
        CollectionAssert.AreEqual(new[] { "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot" },
            DataViewReading.KeyValues(view));
    }

    [TestMethod]
    public void RowCountsOfBothSplits()
    {
        var ctx = new MLContext(1);
        Assert.AreEqual(60000L, FashionMnistData.Load(ctx).GetRowCount());
        var test = FashionMnistData.Load(ctx, test: true);
        Assert.AreEqual(10000L, test.GetRowCount());
        Assert.AreEqual(10000, DataViewReading.ReadKeys(test).Length);
        Assert.AreEqual(123L, FashionMnistData.Load(ctx, limit: 123).GetRowCount());
    }

    [TestMethod]
    public void FirstRowsEqualTheIdxReadersPixelsAndLabels()
    {
        const int rows = 500;
        var view = FashionMnistData.Load(new MLContext(1), limit: rows);
        var reference = IdxReader.Load(Images, Labels, rows);
        var pixels = DataViewReading.ReadVectors(view);
        CollectionAssert.AreEqual(reference.Features, pixels);
        // Known values of row 0: pixel 217 at (14, 14), scaled by 1/255 as the existing loader does.
        Assert.AreEqual(217 * (1f / 255f), pixels[14 * 28 + 14]);
        var keys = DataViewReading.ReadKeys(view);
        CollectionAssert.AreEqual(reference.Labels!.Select(l => (uint)(l + 1)).ToArray(), keys);
        CollectionAssert.AreEqual(new uint[] { 10, 1, 1, 4, 1, 3, 8, 3, 6, 6 }, keys.Take(10).ToArray(), "labels 9,0,0,3,0,2,7,2,5,5 as keys");
    }

    [TestMethod]
    public void MapValueToKeyThenMapKeyToValueGivesClassNames()
    {
        var ctx = new MLContext(1);
        var view = FashionMnistData.Load(ctx, limit: 200);
        var expected = view.Labels!.Select(l => FashionMnistData.ClassNames[l]).ToArray();
        Assert.AreEqual("Ankle boot", expected[0]);

        // The default (by occurrence) renumbers the keys but keeps the names.
        var keyed = ctx.Transforms.Conversion.MapValueToKey("Label").Fit(view).Transform(view);
        Assert.IsInstanceOfType<KeyDataViewType>(keyed.Schema["Label"].Type);
        Assert.AreEqual("Ankle boot", DataViewReading.KeyValues(keyed)[0], "first occurrence first");
        var back = ctx.Transforms.Conversion.MapKeyToValue("Name", "Label").Fit(keyed).Transform(keyed);
        Assert.AreEqual(TextDataViewType.Instance, back.Schema["Name"].Type);
        CollectionAssert.AreEqual(expected, DataViewReading.ReadStrings(back, "Name"));

        // By value keeps the class-index order, so key k + 1 is still class k.
        var byValue = ctx.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue).Fit(view).Transform(view);
        CollectionAssert.AreEqual(FashionMnistData.ClassNames.ToArray(), DataViewReading.KeyValues(byValue));
        CollectionAssert.AreEqual(DataViewReading.ReadKeys(view), DataViewReading.ReadKeys(byValue));
    }

    [TestMethod]
    public void HeadlinePipelineRunsVerbatimWithAnMLNetTrainer()
    {
        var ctx = new MLContext(1);
        var train = FashionMnistData.Load(ctx, limit: 2000);
        var test = FashionMnistData.Load(ctx, test: true, limit: 500);
        var pipeline = ctx.Transforms.Conversion.MapValueToKey("Label")
            .Append(ctx.MulticlassClassification.Trainers.SdcaMaximumEntropy(maximumNumberOfIterations: 10))
            .Append(ctx.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var predictions = pipeline.Fit(train).Transform(test);
        var predicted = DataViewReading.ReadStrings(predictions, "PredictedLabel");
        var truth = test.Labels!.Select(l => FashionMnistData.ClassNames[l]).ToArray();
        Assert.IsTrue(predicted.All(p => FashionMnistData.ClassNames.Contains(p)), "predictions are class names");
        double accuracy = predicted.Zip(truth).Count(p => p.First == p.Second) / (double)truth.Length;
        Assert.IsGreaterThan(0.6, accuracy, $"a linear model on 2000 rows reaches about 0.75; got {accuracy:F3}");
    }

    [TestMethod]
    public void CursorReadsOfAllSixtyThousandRowsReturnTheFeaturesExactly()
    {
        // Correctness only: what the read costs is measured by DataViewReadBenchmarks (no wall-clock limits in unit tests).
        var view = FashionMnistData.Load(new MLContext(1));
        var reference = view.Features.ToArray();
        var sequential = DataViewReading.ReadVectors(view);
        Assert.IsTrue(reference.AsSpan().SequenceEqual(sequential), "one cursor returns the features exactly");

        // One cursor per part, as a parallel reader takes them: each row once, at its row id, the same floats.
        var column = view.Schema["Features"];
        var cursors = view.GetRowCursorSet([column], 4);
        Assert.IsGreaterThan(1, cursors.Length, "the view splits into several cursors");
        var parallel = new float[reference.Length];
        var visits = new int[view.RowCount];
        Parallel.ForEach(cursors, cursor =>
        {
            using (cursor)
            {
                var getter = cursor.GetGetter<VBuffer<float>>(column);
                var id = cursor.GetIdGetter();
                VBuffer<float> row = default;
                DataViewRowId rowId = default;
                while (cursor.MoveNext())
                {
                    id(ref rowId);
                    getter(ref row);
                    int r = (int)rowId.Low;
                    Interlocked.Increment(ref visits[r]);
                    row.GetValues().CopyTo(parallel.AsSpan(r * view.RowSize, view.RowSize));
                }
            }
        });
        Assert.IsTrue(visits.All(v => v == 1), "every row visited once by exactly one cursor");
        Assert.IsTrue(sequential.AsSpan().SequenceEqual(parallel), "the parallel read gives the sequential result");
    }

    [TestMethod]
    public void ShuffledCursorVisitsEveryRowOnceWithMatchingIds()
    {
        var view = FashionMnistData.Load(new MLContext(1), limit: 300);
        Assert.IsTrue(view.CanShuffle);
        using var cursor = view.GetRowCursor(view.Schema, new Random(7));
        var ids = cursor.GetIdGetter();
        var features = cursor.GetGetter<VBuffer<float>>(view.Schema["Features"]);
        var label = cursor.GetGetter<uint>(view.Schema["Label"]);
        var seen = new List<int>();
        VBuffer<float> row = default;
        DataViewRowId id = default;
        uint key = 0;
        while (cursor.MoveNext())
        {
            ids(ref id);
            features(ref row);
            label(ref key);
            int r = (int)id.Low;
            Assert.IsTrue(view.Row(r).SequenceEqual(row.GetValues()), $"row {r}");
            Assert.AreEqual((uint)view.Labels![r] + 1, key);
            Assert.AreEqual(seen.Count, (int)cursor.Position);
            seen.Add(r);
        }
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 300).ToArray(), seen);
        CollectionAssert.AreNotEqual(Enumerable.Range(0, 300).ToArray(), seen, "shuffled");
        Assert.IsFalse(cursor.MoveNext());
    }

    [TestMethod]
    public void MissingFilesTellTheUserToRunSetup()
    {
        var ex = Assert.ThrowsExactly<DataFormatException>(() =>
            FashionMnistData.Load(new MLContext(1), directory: Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid())));
        StringAssert.Contains(ex.Message, "build/setup.sh");
        StringAssert.Contains(ex.Message, "train-images-idx3-ubyte.gz");
    }
}

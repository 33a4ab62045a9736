using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.MLNet;

namespace MLNetMarginLoss.Tests.MLNet;

/// <summary>
/// Saving a classifier of many classes: the class codes whose hashes the saved chain maps back to classes are distinct
/// for any class count, and a 300,000-class model saves, reloads in an app without the library and predicts what the
/// in-memory transformer and the engine predict.
/// </summary>
[TestClass]
public sealed class ManyClassSavingTests
{
    [TestMethod]
    public void ClassCodesHaveDistinctHashesUnderTheChainsHashTransform()
    {
        var ml = new MLContext(0);
        var codes = ClassCodes.Choose(ml, 300_000, unknown: true);
        Assert.HasCount(300_001, codes.Table);
        Assert.AreEqual(codes.Table.Length, codes.Hashes.Distinct().Count(), "two codes share a hash");
        Assert.AreEqual(codes.Table.Length, codes.Table.Distinct().Count());
        int redrawn = Enumerable.Range(0, 300_000).Count(i => codes.Table[i] != i);
        // About C²/2³² ≈ 21 of the indices 0..C−1 collide and are re-drawn; the others keep their index as code.
        Assert.IsTrue(redrawn is > 0 and < 200, $"{redrawn} codes were re-drawn");

        // The hashes are those of ML.NET's Hash transform on the graph's Vector<Int64, 1> output.
        var schema = SchemaDefinition.Create(typeof(CodeRow));
        schema[0].ColumnType = new VectorDataViewType(NumberDataViewType.Int64, 1);
        var view = ml.Data.LoadFromEnumerable(codes.Table.Select(c => new CodeRow { Code = [c] }), schema);
        var hashed = ClassCodes.Hash(ml, "H", "Code").Fit(view).Transform(view).GetColumn<uint>("H").ToArray();
        CollectionAssert.AreEqual(codes.Hashes, hashed);
        Assert.AreEqual(hashed[^1], codes.UnknownHash);
    }

    [TestMethod]
    public void ThreeHundredThousandClassesSaveAndPredictTheSameInAnAppWithoutTheLibrary()
    {
        const int classes = 300_000;
        var ml = new MLContext(0);
        var network = TestNetworks.Identity(classes);
        var model = TestNetworks.Transformer(network);
        Assert.IsFalse(model.IsEmbeddingModel);

        // Rows on the centres of classes whose codes were re-drawn (their index's hash collided), and of two others.
        var codes = model.Codes!;
        var picked = Enumerable.Range(0, classes).Where(i => codes.Table[i] != i).Take(3).Append(0).Append(classes - 1).ToArray();
        Assert.HasCount(5, picked);
        var rows = picked.Select(j => TestNetworks.Centre(network, j)).ToArray();
        var scored = model.Transform(TestNetworks.Rows(ml, rows));
        var predicted = scored.GetColumn<uint>("PredictedLabel").ToArray();
        CollectionAssert.AreEqual(picked.Select(j => (uint)j + 1).ToArray(), predicted, "each row is predicted as the class of its centre");
        var engine = network.Transform(new MLNetMarginLoss.Data.Dataset(rows.SelectMany(r => r).ToArray(), network.InputShape));
        CollectionAssert.AreEqual(picked, engine.PredictedLabel);
        var score = scored.GetColumn<float[]>("Score").ToArray();

        string path = Path.Combine(Path.GetTempPath(), $"mlnet-margin-300k-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, model.InputSchema, path);
            var consumer = ModelConsumerProcess.Run(rows, null, new ModelConsumerProcess.Options(), path).Outputs[0];
            Assert.IsEmpty(consumer.LibraryAssemblies);
            CollectionAssert.AreEqual(predicted, consumer.Keys("PredictedLabel"));
            CollectionAssert.AreEqual(picked.Select(j => "c" + j).ToArray(), consumer.Texts("PredictedLabel"));
            Assert.IsLessThanOrEqualTo(1e-5f, ArcFacePipelineTests.MaxAbsDiff(score, consumer.Vectors("Score")));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private sealed class CodeRow
    {
        public long[] Code { get; set; } = [];
    }
}

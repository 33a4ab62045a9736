using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Data;
using MLNetMarginLoss.Heads;

namespace MLNetMarginLoss.Tests.MLNet;

/// <summary>
/// The embedding extractor and the k-NN classifier on real Fashion-MNIST, through the ML.NET components: an ArcFace MLP
/// (s = 30, m = 0.5, 784-512-256-128, constant learning rate) trained on 20k rows for 5 epochs; its embeddings of those rows are the gallery and
/// the 10k test rows the queries. Open set: a gallery without Sneaker, Bag and Ankle boot, and the threshold that accepts
/// 90% of held-out known rows (test rows 0–4999); evaluated on test rows 5000–9999.
/// </summary>
[TestClass]
public sealed class KnnOnFashionMnistTests
{
    private sealed record Setup(MLContext Ml, ArcFaceTransformer Model, EmbeddingTransformer Extractor, IDataView Train, IDataView Test, Dataset TrainRows, Dataset TestRows);

    private static readonly Lazy<Setup> Shared = new(() =>
    {
        var ml = new MLContext(0);
        var trainRows = FashionMnist.Train(20000);
        var testRows = FashionMnist.Test(10000);
        var train = TestDataViews.FromDataset(ml, trainRows);
        var test = TestDataViews.FromDataset(ml, testRows, trainRows.ClassNames);
        var model = ml.MulticlassClassification.Trainers.ArcFace(new ArcFaceTrainer.Options
        {
            MaxEpoch = 5, Seed = 1, Threads = 2, HeadOptions = new HeadOptions { Scale = 30, Margin = 0.5 },
            // The configuration of the README's open-set figure (69 % of absent-class rows rejected). With the cosine
            // default at s = 30 it falls to 44 %; with the library's defaults (cosine, s = 8.19) it is 55 %.
            Schedule = ScheduleKind.Constant,
        }).Fit(train);
        var extractor = ml.Transforms.ExtractEmbeddings(model).Fit(train);
        return new Setup(ml, model, extractor, train, test, trainRows, testRows);
    });

    private static string TempPath(string name) => Path.Combine(Path.GetTempPath(), $"mlnet-margin-knn-fmnist-{Guid.NewGuid():N}-{name}");

    /// <summary>The open-set pipeline: gallery of the first seven classes, threshold from held-out known rows (test rows 0–4999).</summary>
    private static (KnnTransformer Knn, float Threshold) OpenSetClassifier(Setup s)
    {
        var ml = s.Ml;
        var known = s.TrainRows.ClassNames.Take(7).ToArray();
        var gallery = s.Extractor.Transform(TestDataViews.FromDataset(ml, TestDataViews.OnlyClasses(s.TrainRows, known), s.TrainRows.ClassNames));
        var calibrationRows = TestDataViews.OnlyClasses(s.TestRows.Take(5000), known);
        var calibration = s.Extractor.Transform(TestDataViews.FromDataset(ml, calibrationRows, s.TrainRows.ClassNames));
        // The threshold that accepts 90% of the held-out known rows: the 10th percentile of their best similarity.
        var best = ml.MulticlassClassification.Trainers.KnnClassifier().Fit(gallery).Classify(calibration).Similarity.Order().ToArray();
        float threshold = best[best.Length / 10];
        return (ml.MulticlassClassification.Trainers.KnnClassifier(similarityThreshold: threshold).Fit(gallery), threshold);
    }

    [TestMethod]
    public void KnnOnArcFaceEmbeddingsReachesTheHeadsAccuracy()
    {
        var s = Shared.Value;
        var ml = s.Ml;
        var knn = ml.MulticlassClassification.Trainers.KnnClassifier(new KnnClassifier.Options { K = 5 }).Fit(s.Extractor.Transform(s.Train));
        Assert.AreEqual(20000, knn.GallerySize);
        double head = ml.MulticlassClassification.Evaluate(s.Model.Transform(s.Test)).MicroAccuracy;
        var report = ml.MulticlassClassification.EvaluateKnn(knn, s.Extractor.Transform(s.Test));
        Assert.AreEqual(10000, report.TotalSupport);
        Console.WriteLine($"head accuracy {head:F4}, k-NN (k = 5, 20k gallery) {report.Accuracy:F4}");
        Assert.IsGreaterThanOrEqualTo(0.84, report.Accuracy, $"k-NN accuracy {report.Accuracy:F4} (head {head:F4})");
        Assert.IsLessThanOrEqualTo(0.02, Math.Abs(report.Accuracy - head), $"k-NN {report.Accuracy:F4} vs head {head:F4}");

        // The row-at-a-time saved path (Transform) agrees with the batched path row for row (first 500 test rows).
        var queries = s.Extractor.Transform(s.Ml.Data.TakeRows(s.Test, 500));
        var rowByRow = knn.Transform(queries).GetColumn<uint>("PredictedLabel").ToArray();
        var batched = knn.Classify(queries).PredictedLabel;
        Assert.IsLessThanOrEqualTo(1, rowByRow.Zip(batched).Count(t => t.First != t.Second), "predictions differ beyond a float-rounding near-tie");
    }

    [TestMethod]
    public void ClassesAbsentFromTheGalleryComeBackAsKeyZero()
    {
        var s = Shared.Value;
        var (knn, threshold) = OpenSetClassifier(s);
        CollectionAssert.AreEqual(s.TrainRows.ClassNames.ToArray(), knn.ClassNames.ToArray(), "the classes are the gallery label key's, absent ones included");
        var evaluation = s.TestRows.Select(Enumerable.Range(5000, 5000).ToArray());
        var p = knn.Classify(s.Extractor.Transform(TestDataViews.FromDataset(s.Ml, evaluation, s.TrainRows.ClassNames)));
        int absent = 0, rejected = 0, known = 0, accepted = 0;
        for (int i = 0; i < p.Count; i++)
        {
            if (evaluation.Labels![i] >= 7) { absent++; if (p.PredictedLabel[i] == 0) rejected++; }
            else { known++; if (p.PredictedLabel[i] != 0) accepted++; }
            Assert.IsTrue(p.PredictedLabel[i] <= 7, "a class without gallery rows never wins");
        }
        double rejectedShare = (double)rejected / absent, acceptedShare = (double)accepted / known;
        Console.WriteLine($"threshold {threshold}: {rejected}/{absent} rows of absent classes key 0, {accepted}/{known} rows of gallery classes accepted");
        Assert.IsGreaterThanOrEqualTo(0.60, rejectedShare, $"{rejected} of {absent} rows of absent classes are key 0 at threshold {threshold}");
        Assert.IsGreaterThanOrEqualTo(0.85, acceptedShare, $"{accepted} of {known} rows of gallery classes get a class");
    }

    [TestMethod]
    public void SavedPipelineReloadsWithIdenticalOutputs()
    {
        var s = Shared.Value;
        var ml = s.Ml;
        var (knn, _) = OpenSetClassifier(s);
        var pipeline = s.Extractor.Append(knn);
        var rows = ml.Data.TakeRows(s.Test, 1000);
        var expected = TestDataViews.Format(pipeline.Transform(rows), "Features");
        Assert.IsTrue(expected.Skip(1).Any(l => l.Split('\t')[^1] == "0:"), "some rows should be unknown (PredictedLabel key 0)");
        string path = TempPath("pipeline.zip");
        try
        {
            ml.Model.Save(pipeline, s.Test.Schema, path);
            var loaded = new MLContext(5).Model.Load(path, out var inputSchema);
            Assert.IsNotNull(inputSchema.GetColumnOrNull("Features"));
            CollectionAssert.AreEqual(expected, TestDataViews.Format(loaded.Transform(rows), "Features"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void SavedPipelinePredictsTheSameInAProcessWithoutThisLibrary()
    {
        var s = Shared.Value;
        var ml = s.Ml;
        var (knn, _) = OpenSetClassifier(s);
        var pipeline = s.Extractor.Append(knn);
        var rows = Enumerable.Range(5000, 400).Select(i => s.TestRows.Row(i).ToArray()).ToArray();
        // The rows as the consumer builds them: one Features column of the saved input schema's type.
        var schema = SchemaDefinition.Create(typeof(FeatureRow));
        schema[0].ColumnType = s.Test.Schema["Features"].Type;
        var scored = pipeline.Transform(ml.Data.LoadFromEnumerable(rows.Select(r => new FeatureRow { Features = r }), schema));
        var predicted = scored.GetColumn<uint>("PredictedLabel").ToArray();
        Assert.Contains(0u, predicted, "some rows should be unknown (PredictedLabel key 0)");

        string model = TempPath("pipeline.zip");
        try
        {
            ml.Model.Save(pipeline, s.Test.Schema, model);
            var consumer = ModelConsumerProcess.Run(rows, null, new ModelConsumerProcess.Options(), model).Outputs[0];
            Assert.IsEmpty(consumer.LibraryAssemblies);
            CollectionAssert.AreEqual(predicted, consumer.Keys("PredictedLabel"));
            Assert.AreEqual(0f, ArcFacePipelineTests.MaxAbsDiff(scored.GetColumn<float[]>("Score").ToArray(), consumer.Vectors("Score")));
            Assert.AreEqual(0f, ArcFacePipelineTests.MaxAbsDiff(scored.GetColumn<float[]>("Similarity").ToArray(), consumer.Vectors("Similarity")));
            Assert.AreEqual(0f, ArcFacePipelineTests.MaxAbsDiff(scored.GetColumn<float[]>("Embedding").ToArray(), consumer.Vectors("Embedding")));
        }
        finally
        {
            File.Delete(model);
        }
    }

    private sealed class FeatureRow
    {
        public float[] Features { get; set; } = [];
    }
}

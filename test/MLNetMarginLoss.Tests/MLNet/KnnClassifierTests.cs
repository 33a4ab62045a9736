using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Engine;

namespace MLNetMarginLoss.Tests.MLNet;

/// <summary>The k-NN classifier as an ML.NET estimator/transformer, on small synthetic galleries.</summary>
[TestClass]
public sealed class KnnClassifierTests
{
    private static readonly string[] Keys = ["a", "b", "c"];

    // Four 2-D rows: two of class a near +x, two of class b near +y; class c is a key value with no gallery row.
    private static IDataView Gallery(MLContext ml) => TestDataViews.Embeddings(ml,
        [[1f, 0.1f], [1f, -0.1f], [0.1f, 1f], [-0.1f, 1f]], ["a", "a", "b", "b"], Keys);

    private static IDataView Queries(MLContext ml, params float[][] rows) =>
        TestDataViews.Embeddings(ml, rows, rows.Select(_ => "c").ToArray(), Keys);

    private static string TempPath(string name) => Path.Combine(Path.GetTempPath(), $"mlnet-margin-knn-{Guid.NewGuid():N}-{name}");

    [TestMethod]
    public void FitAddsScorePredictedLabelAndSimilarityColumns()
    {
        var ml = new MLContext(0);
        var knn = ml.MulticlassClassification.Trainers.KnnClassifier(new KnnClassifier.Options { K = 2 }).Fit(Gallery(ml));
        Assert.AreEqual(4, knn.GallerySize);
        Assert.AreEqual(2, knn.EmbeddingSize);
        CollectionAssert.AreEqual(Keys, knn.ClassNames.ToArray());
        CollectionAssert.AreEqual(new uint[] { 1, 1, 2, 2 }, knn.GalleryLabels.ToArray());

        var scored = knn.Transform(Queries(ml, [2f, 0f], [0f, 3f]));
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 3), scored.Schema["Score"].Type);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 1), scored.Schema["Similarity"].Type);
        var key = (KeyDataViewType)scored.Schema["PredictedLabel"].Type;
        Assert.AreEqual(3ul, key.Count);
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        scored.Schema["PredictedLabel"].Annotations.GetValue("KeyValues", ref names);
        CollectionAssert.AreEqual(Keys, names.DenseValues().Select(n => n.ToString()).ToArray());
        var slotNames = default(VBuffer<ReadOnlyMemory<char>>);
        scored.Schema["Score"].GetSlotNames(ref slotNames);
        CollectionAssert.AreEqual(Keys, slotNames.DenseValues().Select(n => n.ToString()).ToArray(), "Score's slots are named by class");

        CollectionAssert.AreEqual(new uint[] { 1, 2 }, scored.GetColumn<uint>("PredictedLabel").ToArray());
        var score = scored.GetColumn<float[]>("Score").ToArray();
        CollectionAssert.AreEqual(new[] { 1f, 0f, 0f }, score[0]);   // both neighbours of the first query are class a
        CollectionAssert.AreEqual(new[] { 0f, 1f, 0f }, score[1]);
        Assert.AreEqual(1f / MathF.Sqrt(1.01f), scored.GetColumn<float[]>("Similarity").First()[0], 1e-6f);
    }

    [TestMethod]
    public void BelowTheThresholdTheKeyIsZeroAndStaysZeroAfterSaveAndLoad()
    {
        var ml = new MLContext(0);
        var knn = ml.MulticlassClassification.Trainers.KnnClassifier(k: 2, similarityThreshold: 0.9f).Fit(Gallery(ml));
        // (1,-1)/√2 has cosine ≈ 0.63 with every gallery row: below the threshold. (1,0) is class a.
        var queries = Queries(ml, [1f, -1f], [1f, 0f], [-1f, -1f]);
        var scored = knn.Transform(queries);
        CollectionAssert.AreEqual(new uint[] { 0, 1, 0 }, scored.GetColumn<uint>("PredictedLabel").ToArray());
        CollectionAssert.AreEqual(new[] { 0f, 0f, 0f }, scored.GetColumn<float[]>("Score").First());
        var names = ml.Transforms.Conversion.MapKeyToValue("Name", "PredictedLabel").Fit(scored).Transform(scored)
            .GetColumn<ReadOnlyMemory<char>>("Name").Select(m => m.ToString()).ToArray();
        CollectionAssert.AreEqual(new[] { "", "a", "" }, names);

        var batched = knn.Classify(queries);
        CollectionAssert.AreEqual(new uint[] { 0, 1, 0 }, batched.PredictedLabel);
        Assert.IsTrue(batched.IsUnknown(0));
        Assert.IsNull(batched.PredictedClassName(0));
        Assert.AreEqual("a", batched.PredictedClassName(1));

        string path = TempPath("knn.zip");
        try
        {
            ml.Model.Save(knn, queries.Schema, path);
            var loaded = new MLContext(1).Model.Load(path, out _);
            Assert.IsNotInstanceOfType<KnnTransformer>(loaded);
            CollectionAssert.AreEqual(new uint[] { 0, 1, 0 }, loaded.Transform(queries).GetColumn<uint>("PredictedLabel").ToArray());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    [DataRow(KnnVoting.Majority, false)]
    [DataRow(KnnVoting.Majority, true)]
    [DataRow(KnnVoting.SimilarityWeighted, false)]
    [DataRow(KnnVoting.SimilarityWeighted, true)]
    [DataRow(KnnVoting.DistanceWeighted, false)]
    [DataRow(KnnVoting.DistanceWeighted, true)]
    public void SavedGraphAndBatchedPathAgree(KnnVoting voting, bool openSet)
    {
        // Random 8-D embeddings of 5 classes: the graph (Transform, row by row) and the batched GEMM path must give the
        // same classes, unknowns included, and the same shares and similarities up to float rounding.
        var ml = new MLContext(0);
        var rng = new SeededRandom(7);
        string[] keys = ["k0", "k1", "k2", "k3", "k4"];
        float[] Vector() => Enumerable.Range(0, 8).Select(_ => (float)rng.NextGaussian()).ToArray();
        var galleryRows = Enumerable.Range(0, 200).Select(_ => Vector()).ToArray();
        var galleryLabels = Enumerable.Range(0, 200).Select(i => keys[rng.NextInt(4)]).ToArray();   // k4 has no gallery row
        var queryRows = Enumerable.Range(0, 300).Select(_ => Vector()).ToArray();
        var gallery = TestDataViews.Embeddings(ml, galleryRows, galleryLabels, keys);
        var queries = TestDataViews.Embeddings(ml, queryRows, queryRows.Select(_ => "k0").ToArray(), keys);

        // Open set: the median best similarity as the threshold, so about half the rows are unknown.
        float? threshold = null;
        if (openSet)
        {
            var best = ml.MulticlassClassification.Trainers.KnnClassifier(k: 1).Fit(gallery).Classify(queries).Similarity.Order().ToArray();
            threshold = best[best.Length / 2];
        }
        var knn = ml.MulticlassClassification.Trainers.KnnClassifier(new KnnClassifier.Options { K = 4, Voting = voting, SimilarityThreshold = threshold }).Fit(gallery);
        var scored = knn.Transform(queries);
        var predicted = scored.GetColumn<uint>("PredictedLabel").ToArray();
        var score = scored.GetColumn<float[]>("Score").ToArray();
        var similarity = scored.GetColumn<float[]>("Similarity").Select(s => s[0]).ToArray();
        var batched = knn.Classify(queries);

        CollectionAssert.AreEqual(batched.PredictedLabel, predicted);
        if (openSet) Assert.IsTrue(predicted.Count(p => p == 0) is > 100 and < 200, $"{predicted.Count(p => p == 0)} of 300 rows are unknown at the median similarity");
        else Assert.IsFalse(predicted.Contains(0u));
        Assert.IsFalse(predicted.Contains(5u), "a class without gallery rows never wins");
        for (int i = 0; i < queryRows.Length; i++)
        {
            Assert.AreEqual(batched.Similarity[i], similarity[i], 1e-5f, $"similarity of row {i}");
            for (int c = 0; c < keys.Length; c++) Assert.AreEqual(batched.ScoreRow(i)[c], score[i][c], 1e-4f, $"score of row {i}, class {c}");
        }
    }

    [TestMethod]
    public void TiedVotesGoToTheClassOfTheNearestNeighbour()
    {
        // Majority vote with k = 2: the nearest row is class b, the second class a; a 1–1 tie goes to b (not to the lower key).
        var ml = new MLContext(0);
        var gallery = TestDataViews.Embeddings(ml, [[1f, 0f], [0f, 1f]], ["b", "a"], Keys);
        var knn = ml.MulticlassClassification.Trainers.KnnClassifier(new KnnClassifier.Options { K = 2, Voting = KnnVoting.Majority }).Fit(gallery);
        var queries = Queries(ml, [1f, 0.2f], [0.2f, 1f]);
        CollectionAssert.AreEqual(new uint[] { 2, 1 }, knn.Transform(queries).GetColumn<uint>("PredictedLabel").ToArray());
        CollectionAssert.AreEqual(new uint[] { 2, 1 }, knn.Classify(queries).PredictedLabel);
        CollectionAssert.AreEqual(new[] { 0.5f, 0.5f, 0f }, knn.Transform(queries).GetColumn<float[]>("Score").First());
    }

    [TestMethod]
    public void SearchReturnsGalleryRowsAndVerifyComparesTwoEmbeddings()
    {
        var ml = new MLContext(0);
        var knn = ml.MulticlassClassification.Trainers.KnnClassifier(similarityThreshold: 0.8f).Fit(Gallery(ml));
        var n = knn.Search([0f, 1f], 3);
        Assert.AreEqual(3, n.K);
        CollectionAssert.AreEquivalent(new[] { 2, 3 }, n.IndicesOf(0)[..2].ToArray());
        Assert.AreEqual(4, knn.Search([0f, 1f], 10).K, "k is capped at the gallery size");
        CollectionAssert.AreEqual(n.Indices, knn.Search(Queries(ml, [0f, 1f]), 3).Indices);

        var (s, same) = KnnTransformer.Verify([1f, 0f], [1f, 1f], 0.8f);
        Assert.AreEqual(MathF.Sqrt(0.5f), s, 1e-6f);
        Assert.IsFalse(same);
        Assert.IsTrue(knn.Verify([1f, 0f], [2f, 0.1f]).Same);
        Assert.AreEqual(0f, KnnTransformer.Similarity([0f, 0f], [1f, 0f]));
        var noThreshold = ml.MulticlassClassification.Trainers.KnnClassifier().Fit(Gallery(ml));
        Assert.ThrowsExactly<InvalidOperationException>(() => noThreshold.Verify([1f, 0f], [1f, 0f]));
    }

    [TestMethod]
    public void MLNetsEvaluatorAndTheClassificationReportReadItsOutput()
    {
        var ml = new MLContext(0);
        var knn = ml.MulticlassClassification.Trainers.KnnClassifier(k: 1).Fit(Gallery(ml));
        var data = TestDataViews.Embeddings(ml, [[1f, 0f], [0f, 1f], [1f, 0.05f]], ["a", "b", "b"], Keys);
        var scored = knn.Transform(data);
        var metrics = ml.MulticlassClassification.Evaluate(scored);
        Assert.AreEqual(2.0 / 3, metrics.MicroAccuracy, 1e-9);
        var report = ml.MulticlassClassification.ClassificationReport(scored);
        Assert.AreEqual(2.0 / 3, report.Accuracy, 1e-9);
        Assert.AreEqual(2.0 / 3, ml.MulticlassClassification.EvaluateKnn(knn, data).Accuracy, 1e-9);
    }

    [TestMethod]
    public void WorksInsideAPipelineBetweenBuiltInTransforms()
    {
        var ml = new MLContext(0);
        var pipeline = ml.Transforms.CopyColumns("Vectors", "Embedding")
            .Append(ml.MulticlassClassification.Trainers.KnnClassifier(featureColumnName: "Vectors"))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedName", "PredictedLabel"));
        var names = pipeline.Fit(Gallery(ml)).Transform(Gallery(ml)).GetColumn<ReadOnlyMemory<char>>("PredictedName").Select(m => m.ToString()).ToArray();
        CollectionAssert.AreEqual(new[] { "a", "a", "b", "b" }, names);
    }

    [TestMethod]
    public void BadOptionsAndDataGiveOneClearArgumentException()
    {
        var ml = new MLContext(0);
        var trainers = ml.MulticlassClassification.Trainers;
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => trainers.KnnClassifier(k: 0)).Message, "K");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => trainers.KnnClassifier(similarityThreshold: 1.5f)).Message, "SimilarityThreshold");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => trainers.KnnClassifier(similarityThreshold: float.NaN)).Message, "SimilarityThreshold");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => trainers.KnnClassifier(new KnnClassifier.Options { ScoreColumnName = "PredictedLabel" })).Message, "PredictedLabel");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => trainers.KnnClassifier(new KnnClassifier.Options { SimilarityColumnName = "Embedding" })).Message, "Embedding");

        var gallery = Gallery(ml);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => trainers.KnnClassifier(featureColumnName: "Nope").Fit(gallery)).Message, "Nope");
        var textLabel = ml.Transforms.Conversion.MapKeyToValue("Label").Fit(gallery).Transform(gallery);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => trainers.KnnClassifier().Fit(textLabel)).Message, "MapValueToKey");
        var empty = ml.Data.SkipRows(gallery, 100);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => trainers.KnnClassifier().Fit(empty)).Message, "no rows");

        var knn = trainers.KnnClassifier().Fit(gallery);
        var wide = TestDataViews.Embeddings(ml, [[1f, 0f, 0f]], ["a"], Keys);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => knn.Transform(wide)).Message, "2 Single");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => knn.Classify(wide)).Message, "2 Single");
    }

    [TestMethod]
    [DataRow("float")]
    [DataRow("int")]
    [DataRow("bool")]
    public void TypedGalleryLabelsComeBackAndUnknownRowsStayKeyZero(string kind)
    {
        // Two classes, A near +x and B near +y, as float (0.5, −2), int (0, 1: the unknown needs a third value) or bool
        // (true, false: no value is left for the unknown, so the key falls back to the labels' text).
        var ml = new MLContext(0);
        object a = kind switch { "float" => 0.5f, "int" => 0, _ => true }, b = kind switch { "float" => -2f, "int" => 1, _ => false };
        float[][] galleryRows = [[1f, 0.1f], [1f, -0.1f], [0.1f, 1f], [-0.1f, 1f]];
        var gallery = TypedEmbeddings(ml, galleryRows, [a, a, b, b]);
        var queries = TypedEmbeddings(ml, [[1f, 0f], [0f, 1f], [-1f, -1f]], [a, a, a]);
        var knn = ml.MulticlassClassification.Trainers.KnnClassifier(k: 2, similarityThreshold: 0.9f).Fit(gallery);
        var scored = ml.Transforms.Conversion.MapKeyToValue("Value", "PredictedLabel").Fit(knn.Transform(queries)).Transform(knn.Transform(queries));
        CollectionAssert.AreEqual(new uint[] { 1, 2, 0 }, scored.GetColumn<uint>("PredictedLabel").ToArray());
        var type = scored.Schema["Value"].Type;
        switch (kind)
        {
            case "float":
                Assert.AreEqual(NumberDataViewType.Single, type);
                CollectionAssert.AreEqual(new[] { 0.5f, -2f }, scored.GetColumn<float>("Value").Take(2).ToArray());
                break;
            case "int":
                Assert.AreEqual(NumberDataViewType.Int32, type);
                CollectionAssert.AreEqual(new[] { 0, 1 }, scored.GetColumn<int>("Value").Take(2).ToArray());
                break;
            default:
                Assert.AreEqual(TextDataViewType.Instance, type);
                CollectionAssert.AreEqual(new[] { "True", "False", "" }, scored.GetColumn<string>("Value").ToArray());
                break;
        }
    }

    /// <summary>Embeddings with a Label key mapped from float, int or bool values (in order of first appearance).</summary>
    private static IDataView TypedEmbeddings(MLContext ml, float[][] rows, object[] labels)
    {
        var type = new VectorDataViewType(NumberDataViewType.Single, rows[0].Length);
        IDataView Load<T>()
        {
            var schema = SchemaDefinition.Create(typeof(TypedRow<T>));
            schema["Embedding"].ColumnType = type;
            return ml.Data.LoadFromEnumerable(rows.Select((r, i) => new TypedRow<T> { Embedding = r, Label = (T)labels[i] }).ToList(), schema);
        }
        var view = labels[0] switch { float => Load<float>(), int => Load<int>(), _ => Load<bool>() };
        return ml.Transforms.Conversion.MapValueToKey("Label").Fit(view).Transform(view);
    }

    private sealed class TypedRow<T>
    {
        public float[] Embedding { get; set; } = [];
        public T Label { get; set; } = default!;
    }
}

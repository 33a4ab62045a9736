using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Evaluation;
using MLNetMarginLoss.Tests.Training;

namespace MLNetMarginLoss.Tests.MLNet;

/// <summary>The trainer as an ML.NET user meets it: pipelines, evaluation, saving, and loading in another process.</summary>
[TestClass]
public sealed class ArcFacePipelineTests
{
    [TestMethod]
    public void DesignPipelineReachesAccuracyAndKeepsItAfterSaveLoadInAnotherProcess()
    {
        var mlContext = new MLContext(seed: 1);
        var train = mlContext.ToView(FashionMnist.Train(20000));
        var test = mlContext.ToView(FashionMnist.Test(10000));

        // The pipeline of the design notes, verbatim but for the epochs.
        var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label")
            .Append(mlContext.MulticlassClassification.Trainers.ArcFace(labelColumnName: "Label", featureColumnName: "Features", maxEpoch: 3))
            .Append(mlContext.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var model = pipeline.Fit(train);
        var metrics = mlContext.MulticlassClassification.Evaluate(model.Transform(test));
        string path = Path.Combine(Path.GetTempPath(), $"mlnet-margin-design-{Guid.NewGuid():N}.zip");
        try
        {
            mlContext.Model.Save(model, train.Schema, path);
            // Measured 0.857 with the default trainer seed 0 (QuickStartDefaultsTests covers seeds 0–4); chance is 0.10.
            Assert.IsGreaterThanOrEqualTo(0.85, metrics.MicroAccuracy, $"MicroAccuracy {metrics.MicroAccuracy:F4}");

            var consumer = ModelConsumerProcess.Run(FashionMnist.Test(10000), withLabels: true, path)[0];
            Assert.IsEmpty(consumer.LibraryAssemblies, "the consumer loaded this library");
            Assert.AreEqual(metrics.MicroAccuracy, consumer.Metric("MicroAccuracy"), 1e-12);
            Assert.AreEqual(metrics.MacroAccuracy, consumer.Metric("MacroAccuracy"), 1e-12);
            Assert.AreEqual(metrics.LogLoss, consumer.Metric("LogLoss"), 1e-6);
            // PredictedLabel went back to the class names through MapKeyToValue.
            var expected = model.Transform(test).GetColumn<string>("PredictedLabel").ToArray();
            CollectionAssert.AreEqual(expected, consumer.Texts("PredictedLabel"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void EveryHeadAndEncoderGivesTheSameOutputsInAnAppWithoutTheLibrary()
    {
        var ml = new MLContext(seed: 0);
        var trainRows = FashionMnist.Train(400);
        var toKey = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.ToView(trainRows));
        var train = toKey.Transform(ml.ToView(trainRows));
        var rows = FashionMnist.Test(60);
        var test = ml.ToView(rows, withLabel: false);

        var configurations = Enum.GetValues<HeadKind>().Select(h => (Name: h.ToString(), Options: TestModels.SmallMlp(h, epochs: 1, headOptions: new HeadOptions { Scale = h == HeadKind.AdaCos ? null : 16 })))
            .Append(("Cnn", WithEncoder(new EncoderSpec { Kind = EncoderKind.Cnn, EmbeddingSize = 16 })))
            .Append(("ResNet", WithEncoder(new EncoderSpec { Kind = EncoderKind.ResNet, EmbeddingSize = 16, StageWidths = [8, 16], BlocksPerStage = 1 })))
            .ToArray();
        string dir = Directory.CreateTempSubdirectory("mlnet-margin-heads-").FullName;
        try
        {
            var models = new List<(string Name, ArcFaceTransformer Model, string Path)>();
            foreach (var (name, options) in configurations)
            {
                var model = new ArcFaceTrainer(options).Fit(train);
                string path = Path.Combine(dir, name + ".zip");
                ml.Model.Save(model, train.Schema, path);
                models.Add((name, model, path));
            }
            var result = ModelConsumerProcess.Run(Enumerable.Range(0, rows.Count).Select(r => rows.Row(r).ToArray()).ToArray(), null,
                new ModelConsumerProcess.Options(), models.Select(m => m.Path).ToArray());
            var outputs = result.Outputs;
            // AdaCos, CurricularFace, AdaFace and SphereFace keep training-only buffers: in the metadata, not as unused initializers ONNX Runtime warns about.
            Assert.DoesNotContain("Removing initializer", result.StdErr);
            Assert.DoesNotContain("[W:onnxruntime", result.StdErr);
            for (int i = 0; i < models.Count; i++)
            {
                var (name, model, _) = models[i];
                var inMemory = model.Transform(test);
                var score = inMemory.GetColumn<float[]>("Score").ToArray();
                var embedding = inMemory.GetColumn<float[]>("Embedding").ToArray();
                var predicted = PredictedNames(inMemory, "PredictedLabel");
                Assert.IsEmpty(outputs[i].LibraryAssemblies, name);
                Assert.IsLessThanOrEqualTo(1e-5, MaxAbsDiff(score, outputs[i].Vectors("Score")), $"{name}: Score");
                Assert.IsLessThanOrEqualTo(1e-5, MaxAbsDiff(embedding, outputs[i].Vectors("Embedding")), $"{name}: Embedding");
                CollectionAssert.AreEqual(predicted, outputs[i].Texts("PredictedLabel"), $"{name}: PredictedLabel");
                CollectionAssert.AreEqual(model.ClassNames.ToArray(), outputs[i].KeyValues("PredictedLabel").Select(v => v.GetString()).ToArray(), $"{name}: KeyValues");
                // Score's slot names are the class names, in memory and reloaded.
                var slotNames = default(VBuffer<ReadOnlyMemory<char>>);
                inMemory.Schema["Score"].GetSlotNames(ref slotNames);
                CollectionAssert.AreEqual(model.ClassNames.ToArray(), slotNames.DenseValues().Select(v => v.ToString()).ToArray(), $"{name}: SlotNames");
                CollectionAssert.AreEqual(model.ClassNames.ToArray(), outputs[i].SlotNames("Score"), $"{name}: SlotNames after reloading");

                // The ONNX graph computes what the engine computes.
                var engine = model.Network.Transform(rows);
                Assert.IsLessThanOrEqualTo(1e-5, MaxAbsDiff(score, Rows(engine.Score, model.ClassNames.Count)), $"{name}: Score vs engine");
                Assert.IsLessThanOrEqualTo(1e-5, MaxAbsDiff(embedding, Rows(engine.Embedding, model.EmbeddingSize)), $"{name}: Embedding vs engine");
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        static ArcFaceTrainer.Options WithEncoder(EncoderSpec spec)
        {
            var o = TestModels.SmallMlp(epochs: 1);
            o.Encoder = spec;
            return o;
        }
    }

    [TestMethod]
    public void OutputsDoNotDependOnTheLabelColumn()
    {
        var ml = new MLContext(seed: 0);
        var rows = FashionMnist.Test(300);
        var toKey = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.ToView(FashionMnist.Train(600)));
        var model = new ArcFaceTrainer(TestModels.SmallMlp(epochs: 1)).Fit(toKey.Transform(ml.ToView(FashionMnist.Train(600))));

        var shuffled = TestViews.LabelNames(rows);
        new Random(5).Shuffle(shuffled);
        var views = new[]
        {
            model.Transform(toKey.Transform(ml.ToView(rows))),
            model.Transform(ml.ToView(rows, withLabel: false)),
            model.Transform(toKey.Transform(ml.ToView(rows, labels: shuffled))),
        };
        var reference = views[0];
        foreach (var other in views.Skip(1))
        {
            Assert.AreEqual(0f, MaxAbsDiff(reference.GetColumn<float[]>("Score").ToArray(), other.GetColumn<float[]>("Score").ToArray()));
            Assert.AreEqual(0f, MaxAbsDiff(reference.GetColumn<float[]>("Embedding").ToArray(), other.GetColumn<float[]>("Embedding").ToArray()));
            CollectionAssert.AreEqual(reference.GetColumn<uint>("PredictedLabel").ToArray(), other.GetColumn<uint>("PredictedLabel").ToArray());
        }
    }

    [TestMethod]
    public void MlNetEvaluateAgreesWithTheLibrarysMetrics()
    {
        var ml = new MLContext(seed: 0);
        var rows = FashionMnist.Test(2000);
        var toKey = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.ToView(FashionMnist.Train(2000)));
        var model = new ArcFaceTrainer(TestModels.SmallMlp(epochs: 2)).Fit(toKey.Transform(ml.ToView(FashionMnist.Train(2000))));
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(toKey.Transform(ml.ToView(rows))));

        var engine = model.Network.Transform(rows);
        var labels = ModelEvaluator.AlignLabels(model, rows);
        var ours = MulticlassEvaluator.Evaluate(labels, engine.Score, model.ClassNames.Count, 5, model.ClassNames);
        Assert.AreEqual(ours.MicroAccuracy, metrics.MicroAccuracy, 1.0 / rows.Count, "at most one near-tie may flip between float paths");
        Assert.AreEqual(ours.MacroAccuracy, metrics.MacroAccuracy, 2.0 / rows.Count);
        Assert.AreEqual(ours.LogLoss, metrics.LogLoss, 1e-4);
        Assert.IsGreaterThan(0.6, metrics.MicroAccuracy);
    }

    [TestMethod]
    public void TransformerReportsItsColumnsAndClasses()
    {
        var ml = new MLContext(seed: 0);
        var data = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.ToView(FashionMnist.Train(300))).Transform(ml.ToView(FashionMnist.Train(300)));
        var options = TestModels.SmallMlp(epochs: 1);
        options.ScoreColumnName = "Probabilities";
        options.EmbeddingColumnName = "Vec";
        options.PredictionColumnName = "Guess";
        var model = new ArcFaceTrainer(options).Fit(data);
        var schema = model.GetOutputSchema(data.Schema);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 10), schema["Probabilities"].Type);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 32), schema["Vec"].Type);
        Assert.AreEqual(10UL, ((KeyDataViewType)schema["Guess"].Type).Count);
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        schema["Guess"].GetKeyValues(ref names);
        var labelNames = default(VBuffer<ReadOnlyMemory<char>>);
        data.Schema["Label"].GetKeyValues(ref labelNames);
        CollectionAssert.AreEqual(labelNames.DenseValues().Select(v => v.ToString()).ToArray(), names.DenseValues().Select(v => v.ToString()).ToArray());
        CollectionAssert.AreEqual(model.ClassNames.ToArray(), names.DenseValues().Select(v => v.ToString()).ToArray());
        Assert.IsNull(schema.GetColumnOrNull("Guess.Index"), "helper columns are dropped");
        Assert.IsTrue(model.IsRowToRowMapper);
    }

    internal static float MaxAbsDiff(float[][] a, float[][] b)
    {
        Assert.HasCount(a.Length, b);
        float max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            Assert.HasCount(a[i].Length, b[i]);
            for (int j = 0; j < a[i].Length; j++) max = Math.Max(max, Math.Abs(a[i][j] - b[i][j]));
        }
        return max;
    }

    internal static float[][] Rows(float[] flat, int width) => Enumerable.Range(0, flat.Length / width).Select(i => flat.AsSpan(i * width, width).ToArray()).ToArray();

    internal static string?[] PredictedNames(IDataView scored, string column)
    {
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        scored.Schema[column].GetKeyValues(ref names);
        var text = names.DenseValues().Select(v => v.ToString()).ToArray();
        return scored.GetColumn<uint>(column).Select(k => k == 0 ? null : text[k - 1]).ToArray();
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetMarginLoss.Tests.MLNet;

/// <summary>
/// The user report "the quick-start model needs a Label input column in a PredictionEngine": the README's quick start
/// (label mapping fitted on the training data and kept out of the saved model, the model saved with its label-free
/// input schema) predicts in an app without the library through a PredictionEngine whose input class has no Label,
/// and through one whose input class has a string Label, exactly what the in-memory pipeline predicts.
/// </summary>
[TestClass]
public sealed class LabelFreeInferenceTests
{
    [TestMethod]
    public void QuickStartModelPredictsWithoutALabelInAnAppWithoutTheLibrary()
    {
        // The README's quick start, on fewer rows and one epoch.
        var mlContext = new MLContext(seed: 1);
        IDataView train = MLNetMarginLoss.FashionMnist.Load(mlContext, limit: 2000);
        IDataView test = MLNetMarginLoss.FashionMnist.Load(mlContext, test: true, limit: 30);
        var labelKey = mlContext.Transforms.Conversion.MapValueToKey("Label").Fit(train);
        var pipeline = mlContext.MulticlassClassification.Trainers.ArcFace(labelColumnName: "Label", featureColumnName: "Features", maxEpoch: 1)
            .Append(mlContext.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var model = pipeline.Fit(labelKey.Transform(train));
        var arcFace = model.OfType<ArcFaceTransformer>().Single();
        var scored = model.Transform(test);
        var expected = scored.GetColumn<string>("PredictedLabel").ToArray();
        var score = scored.GetColumn<float[]>("Score").ToArray();

        string path = Path.Combine(Path.GetTempPath(), $"mlnet-margin-quick-start-{Guid.NewGuid():N}.zip");
        try
        {
            mlContext.Model.Save(model, arcFace.InputSchema, path);
            var rows = FashionMnist.Test(30);
            var result = ModelConsumerProcess.Run(Enumerable.Range(0, rows.Count).Select(i => rows.Row(i).ToArray()).ToArray(), null,
                new ModelConsumerProcess.Options(Engine: true), path);
            var consumer = result.Outputs[0];
            Assert.IsEmpty(consumer.LibraryAssemblies);
            CollectionAssert.AreEqual(new[] { "Features" }, consumer.InputSchema, "the saved input schema names no label");
            foreach (var run in new[] { "withoutLabel", "withTextLabel" })
            {
                var (error, predicted, engineScore) = consumer.Engine(run);
                Assert.IsNull(error, $"{run}: {error}");
                CollectionAssert.AreEqual(expected, predicted, run);
                Assert.IsLessThanOrEqualTo(1e-5f, ArcFacePipelineTests.MaxAbsDiff(score, engineScore), run);
            }
            Assert.DoesNotContain("Removing initializer", result.StdErr);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

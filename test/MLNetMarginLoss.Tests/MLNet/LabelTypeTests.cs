using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Tests.Training;

namespace MLNetMarginLoss.Tests.MLNet;

/// <summary>
/// PredictedLabel carries the training label key's values with their own type: MapValueToKey on a float, integer,
/// boolean or text label, the trainer, then MapKeyToValue("PredictedLabel") gives that type back, as after ML.NET's
/// own trainers — in memory and in the saved model loaded by an app without the library.
/// </summary>
[TestClass]
public sealed class LabelTypeTests
{
    /// <summary>The label of class index i of each kind.</summary>
    private static object LabelOf(string kind, int i) => kind switch
    {
        "float" => i * 1.5f - 3f,
        "string" => "class " + (char)('a' + i),
        "int" => 10 * i + 7,
        "bool" => i % 2 == 0,
        _ => throw new ArgumentException(kind),
    };

    private static IDataView View(MLContext ml, string kind, MLNetMarginLoss.Data.Dataset data)
    {
        var type = new VectorDataViewType(NumberDataViewType.Single, data.RowSize);
        IDataView Load<TRow>(Func<int, TRow> row) where TRow : class
        {
            var schema = SchemaDefinition.Create(typeof(TRow));
            schema["Features"].ColumnType = type;
            return ml.Data.LoadFromEnumerable(Enumerable.Range(0, data.Count).Select(row).ToList(), schema);
        }
        return kind switch
        {
            "float" => Load(i => new FloatRow { Features = data.Row(i).ToArray(), Label = (float)LabelOf(kind, data.Labels![i]) }),
            "string" => Load(i => new StringRow { Features = data.Row(i).ToArray(), Label = (string)LabelOf(kind, data.Labels![i]) }),
            "int" => Load(i => new IntRow { Features = data.Row(i).ToArray(), Label = (int)LabelOf(kind, data.Labels![i]) }),
            _ => Load(i => new BoolRow { Features = data.Row(i).ToArray(), Label = (bool)LabelOf(kind, data.Labels![i]) }),
        };
    }

    /// <summary>The values of a scalar column of any of the kinds, boxed.</summary>
    private static object[] Values(IDataView view, string column) => view.Schema[column].Type.RawType switch
    {
        var t when t == typeof(float) => view.GetColumn<float>(column).Cast<object>().ToArray(),
        var t when t == typeof(int) => view.GetColumn<int>(column).Cast<object>().ToArray(),
        var t when t == typeof(bool) => view.GetColumn<bool>(column).Cast<object>().ToArray(),
        _ => view.GetColumn<string>(column).Cast<object>().ToArray(),
    };

    [TestMethod]
    [DataRow("float")]
    [DataRow("string")]
    [DataRow("int")]
    [DataRow("bool")]
    public void MapKeyToValueGivesTheLabelTypeBackAsAfterSdca(string kind)
    {
        var ml = new MLContext(0);
        var rows = FashionMnist.Train(600);
        var train = View(ml, kind, rows);
        var labelKey = ml.Transforms.Conversion.MapValueToKey("Label").Fit(train);
        var keyed = labelKey.Transform(train);
        var model = new ArcFaceTrainer(TestModels.SmallMlp(epochs: 1)).Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel")).Fit(keyed);
        var sdca = ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(maximumNumberOfIterations: 1)
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel")).Fit(keyed);

        var test = View(ml, kind, FashionMnist.Test(50));
        var ours = model.Transform(test);
        var theirs = sdca.Transform(test);
        Assert.AreEqual(train.Schema["Label"].Type, ours.Schema["PredictedLabel"].Type, "PredictedLabel has the label's type");
        Assert.AreEqual(theirs.Schema["PredictedLabel"].Type, ours.Schema["PredictedLabel"].Type, "as after SdcaMaximumEntropy");

        // The value is the label of the predicted class (the arg-max of Score, in the label key's order).
        var keyValues = KeyValuesOf(keyed);
        var score = ours.GetColumn<float[]>("Score").ToArray();
        var predicted = Values(ours, "PredictedLabel");
        for (int i = 0; i < predicted.Length; i++)
            Assert.AreEqual(keyValues[Array.IndexOf(score[i], score[i].Max())], predicted[i], $"row {i}");
        Assert.IsGreaterThan(1, predicted.Distinct().Count(), "the rows are not all one class");
    }

    [TestMethod]
    public void FloatAndTextLabelsComeBackFromTheSavedModelInAnAppWithoutTheLibrary()
    {
        var ml = new MLContext(0);
        var testRows = FashionMnist.Test(40);
        var paths = new List<string>();
        var expected = new List<object[]>();
        var types = new List<string>();
        try
        {
            foreach (var kind in new[] { "float", "string" })
            {
                var train = View(ml, kind, FashionMnist.Train(600));
                var labelKey = ml.Transforms.Conversion.MapValueToKey("Label").Fit(train);
                var model = new ArcFaceTrainer(TestModels.SmallMlp(epochs: 1)).Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel")).Fit(labelKey.Transform(train));
                var scored = model.Transform(View(ml, kind, testRows));
                expected.Add(Values(scored, "PredictedLabel"));
                types.Add(scored.Schema["PredictedLabel"].Type.ToString()!);
                string path = Path.Combine(Path.GetTempPath(), $"mlnet-margin-label-{kind}-{Guid.NewGuid():N}.zip");
                paths.Add(path);
                ml.Model.Save(model, model.OfType<ArcFaceTransformer>().Single().InputSchema, path);
            }
            var outputs = ModelConsumerProcess.Run(Enumerable.Range(0, testRows.Count).Select(i => testRows.Row(i).ToArray()).ToArray(), null,
                new ModelConsumerProcess.Options(), paths.ToArray()).Outputs;
            Assert.AreEqual("Single", types[0]);
            Assert.AreEqual("String", types[1]);
            for (int m = 0; m < 2; m++)
            {
                Assert.IsEmpty(outputs[m].LibraryAssemblies);
                Assert.AreEqual(types[m], outputs[m].Type("PredictedLabel"));
                var reloaded = outputs[m].Values("PredictedLabel").Select(v => m == 0 ? (object)v.GetSingle() : v.GetString()!).ToArray();
                CollectionAssert.AreEqual(expected[m], reloaded);
            }
        }
        finally
        {
            foreach (var p in paths) File.Delete(p);
        }
    }

    private static object[] KeyValuesOf(IDataView keyed)
    {
        var column = keyed.Schema["Label"];
        var raw = ((VectorDataViewType)column.Annotations.Schema["KeyValues"].Type).ItemType.RawType;
        object[] Read<T>() where T : notnull { var v = default(VBuffer<T>); column.GetKeyValues(ref v); return v.DenseValues().Select(x => (object)x).ToArray(); }
        if (raw == typeof(float)) return Read<float>();
        if (raw == typeof(int)) return Read<int>();
        if (raw == typeof(bool)) return Read<bool>();
        return Read<ReadOnlyMemory<char>>().Select(m => (object)m.ToString()!).ToArray();
    }

    private sealed class FloatRow
    {
        public float[] Features { get; set; } = [];
        public float Label { get; set; }
    }

    private sealed class StringRow
    {
        public float[] Features { get; set; } = [];
        public string Label { get; set; } = "";
    }

    private sealed class IntRow
    {
        public float[] Features { get; set; } = [];
        public int Label { get; set; }
    }

    private sealed class BoolRow
    {
        public float[] Features { get; set; } = [];
        public bool Label { get; set; }
    }
}

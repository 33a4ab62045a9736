using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.Encoders;
using MLNetMarginLoss.Engine;
using MLNetMarginLoss.Heads;
using MLNetMarginLoss.MLNet;
using MLNetMarginLoss.Training;

namespace MLNetMarginLoss.Benchmarks;

/// <summary>
/// A measured run of the saving route at many class counts, without BenchmarkDotNet:
/// <c>dotnet run -c Release --project test/MLNetMarginLoss.Benchmarks -- saving-quick [--classes 10000,100000,300000,1000000] [--embedding 16] [--out DIR]</c>.
/// For each class count C it builds a network directly (an MLP encoder 16 → E, an ArcFace head with its random
/// initial centres) and times: the class codes (<see cref="ClassCodes.Choose"/>), the transformer's construction (the
/// ONNX graph and the fitted chain of built-in transformers, codes included), mlContext.Model.Save to DIR/C.zip, and
/// mlContext.Model.Load of it with the first Transform of one row. It prints one line per C and the file size.
/// </summary>
public static class SavingQuick
{
    /// <summary>Runs the measurement; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        int[] counts = [10_000, 100_000, 300_000, 1_000_000];
        int embedding = 16;
        string dir = Path.Combine(Path.GetTempPath(), "mlnet-margin-saving-quick");
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--classes": counts = args[++i].Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--embedding": embedding = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--out": dir = args[++i]; break;
                default:
                    Console.Error.WriteLine($"saving-quick: unknown option '{args[i]}' (expected --classes N,N,…, --embedding E, --out DIR).");
                    return 2;
            }
        }
        Directory.CreateDirectory(dir);
        Console.WriteLine($"{"classes",10} {"codes s",8} {"build s",8} {"save s",8} {"load+1 row s",13} {"zip MB",8} {"re-drawn",9}");
        foreach (int c in counts)
        {
            var encoder = Encoder.Build(new EncoderSpec { Kind = EncoderKind.Mlp, InputShape = TensorShape.Vector(16), HiddenSizes = [], EmbeddingSize = embedding }, new SeededRandom(1));
            var head = HeadFactory.Create(HeadKind.ArcFace, embedding, c, new HeadOptions { Scale = 16 });
            var names = Enumerable.Range(0, c).Select(i => "class " + i.ToString(CultureInfo.InvariantCulture)).ToArray();
            var network = new TrainedNetwork(encoder, head, names, new TrainingHistory(), new ModelInfo());
            var ml = new MLContext(0);

            var clock = Stopwatch.StartNew();
            var codes = ClassCodes.Choose(ml, c, unknown: false);
            double codeSeconds = clock.Elapsed.TotalSeconds;
            int redrawn = Enumerable.Range(0, c).Count(i => codes.Table[i] != i);

            clock.Restart();
            var model = new ArcFaceTransformer(network, new ColumnNames("Features", "Score", "PredictedLabel", "Embedding"), "engine");
            double buildSeconds = clock.Elapsed.TotalSeconds;

            string path = Path.Combine(dir, $"{c}.zip");
            clock.Restart();
            ml.Model.Save(model, model.InputSchema, path);
            double saveSeconds = clock.Elapsed.TotalSeconds;

            clock.Restart();
            var loaded = new MLContext(1).Model.Load(path, out _);
            var row = ml.Data.LoadFromEnumerable([new Row { Features = new float[16] }], RowSchema());
            _ = loaded.Transform(row).GetColumn<uint>("PredictedLabel").Single();
            double loadSeconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{c,10} {codeSeconds,8:F2} {buildSeconds,8:F2} {saveSeconds,8:F2} {loadSeconds,13:F2} {new FileInfo(path).Length / 1048576.0,8:F1} {redrawn,9}"));
            File.Delete(path);
        }
        return 0;
    }

    private static SchemaDefinition RowSchema()
    {
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[0].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 16);
        return schema;
    }

    private sealed class Row
    {
        public float[] Features { get; set; } = [];
    }
}

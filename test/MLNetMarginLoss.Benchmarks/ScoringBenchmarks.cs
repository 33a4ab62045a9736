using BenchmarkDotNet.Attributes;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MLNetMarginLoss.Data;

namespace MLNetMarginLoss.Benchmarks;

/// <summary>
/// Scoring 10,000 Fashion-MNIST test rows with one trained model (MLP 784-512-256-128, ArcFace) four ways: the
/// in-memory transformer and the .zip reloaded with mlContext.Model.Load (both ML.NET's OnnxTransformer, one ONNX
/// run per row), ONNX Runtime on the exported batched graph (batches of 256), and the engine's batched path that
/// the library's evaluators use. Rows/s = 10,000 / mean time.
/// <c>dotnet run -c Release --project test/MLNetMarginLoss.Benchmarks -- --filter '*Scoring*'</c>
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5)]
[MemoryDiagnoser]
public class ScoringBenchmarks
{
    private const int Rows = 10_000, Batch = 256;
    private readonly MLContext _ml = new(0);
    private Dataset _test = null!;
    private IDataView _view = null!;
    private ArcFaceTransformer _model = null!;
    private ITransformer _reloaded = null!;
    private InferenceSession _session = null!;

    /// <summary>Trains the model (1 epoch on 5,000 rows: the weights do not change the cost), saves, reloads and exports it.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _test = MLNetMarginLoss.FashionMnist.LoadDataset(test: true, limit: Rows);
        var train = BenchmarkViews.Keyed(_ml, MLNetMarginLoss.FashionMnist.LoadDataset(limit: 5000));
        _model = new ArcFaceTrainer(new ArcFaceTrainer.Options { MaxEpoch = 1 }).Fit(train);
        using (var zip = new MemoryStream())
        {
            _ml.Model.Save(_model, train.Schema, zip);
            zip.Position = 0;
            _reloaded = _ml.Model.Load(zip, out _);
        }
        using var onnx = new MemoryStream();
        _model.ExportOnnx(onnx);
        _session = new InferenceSession(onnx.ToArray());
        _view = BenchmarkViews.Features(_ml, _test);
    }

    /// <summary>Disposes ONNX Runtime.</summary>
    [GlobalCleanup]
    public void Cleanup() => _session.Dispose();

    /// <summary>The trained transformer, in memory.</summary>
    [Benchmark(Baseline = true)]
    public float InMemoryTransformer() => Consume(_model.Transform(_view));

    /// <summary>The saved .zip, reloaded with mlContext.Model.Load (what an application runs).</summary>
    [Benchmark]
    public float ReloadedZip() => Consume(_reloaded.Transform(_view));

    /// <summary>ONNX Runtime on the exported batched graph.</summary>
    [Benchmark]
    public float OnnxRuntimeBatched()
    {
        float sum = 0;
        for (int start = 0; start < Rows; start += Batch)
        {
            int n = Math.Min(Batch, Rows - start);
            var input = new DenseTensor<float>(_test.Features.AsMemory(start * 784, n * 784), [n, 1, 28, 28]);
            using var results = _session.Run([NamedOnnxValue.CreateFromTensor("Features", input)]);
            foreach (var r in results) if (r.Name == "Score") sum += r.AsTensor<float>().GetValue(0);
        }
        return sum;
    }

    /// <summary>The engine's batched inference (the library's evaluation path).</summary>
    [Benchmark]
    public float EngineBatched() => _model.Network.Transform(_test).Score[0];

    private static float Consume(IDataView scored)
    {
        float sum = 0;
        using var cursor = scored.GetRowCursor([scored.Schema["Score"], scored.Schema["PredictedLabel"], scored.Schema["Embedding"]]);
        var score = cursor.GetGetter<VBuffer<float>>(scored.Schema["Score"]);
        var predicted = cursor.GetGetter<uint>(scored.Schema["PredictedLabel"]);
        var embedding = cursor.GetGetter<VBuffer<float>>(scored.Schema["Embedding"]);
        VBuffer<float> s = default, e = default;
        uint p = 0;
        while (cursor.MoveNext())
        {
            score(ref s);
            predicted(ref p);
            embedding(ref e);
            sum += s.GetValues()[0] + p;
        }
        return sum;
    }
}

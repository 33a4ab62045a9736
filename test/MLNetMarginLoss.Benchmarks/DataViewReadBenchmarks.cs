using BenchmarkDotNet.Attributes;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNetMarginLoss.MLNet;

namespace MLNetMarginLoss.Benchmarks;

/// <summary>
/// What the trainer pays to read its input: the 60,000 Fashion-MNIST training rows (784 floats each) from an
/// IDataView into the engine's contiguous arrays, straight from the in-memory view and through a MapValueToKey
/// transformer as in a user's pipeline, and the bare cursor loop beneath both (one cursor, every row copied into a
/// float[]). Compare with one MLP epoch (<c>mlnet-margin bench</c>).
/// <c>dotnet run -c Release --project test/MLNetMarginLoss.Benchmarks -- --filter '*DataViewRead*'</c>
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 8)]
[MemoryDiagnoser]
public class DataViewReadBenchmarks
{
    private IDataView _view = null!;
    private IDataView _mapped = null!;

    /// <summary>Loads the data.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var ml = new MLContext(0);
        _view = FashionMnist.Load(ml);
        _mapped = ml.Transforms.Conversion.MapValueToKey("Label").Fit(_view).Transform(_view);
    }

    /// <summary>The in-memory view as loaded.</summary>
    [Benchmark(Baseline = true)]
    public int InMemoryView() => DataViewReader.Read(_view, "Features", "Label", new Engine.TensorShape(1, 28, 28), "bench", requireLabels: true).Count;

    /// <summary>Through MapValueToKey.</summary>
    [Benchmark]
    public int ThroughMapValueToKey() => DataViewReader.Read(_mapped, "Features", "Label", new Engine.TensorShape(1, 28, 28), "bench", requireLabels: true).Count;

    /// <summary>One sequential cursor over Features, every row copied into one float[], without the reader's checks or parallel cursors.</summary>
    [Benchmark]
    public int OneCursor()
    {
        var column = _view.Schema["Features"];
        int size = ((VectorDataViewType)column.Type).Size;
        var result = new float[(_view.GetRowCount() ?? 0) * size];
        using var cursor = _view.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        VBuffer<float> row = default;
        int offset = 0;
        while (cursor.MoveNext())
        {
            getter(ref row);
            row.GetValues().CopyTo(result.AsSpan(offset, size));
            offset += size;
        }
        return offset;
    }
}

using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace MLNetMarginLoss.Benchmarks;

/// <summary>
/// A summary column with the throughput of a GEMM benchmark, 2·m·n·k / mean time, in GFLOP/s. The shape comes
/// from the benchmark's <c>Size</c> (square) or <c>Shape</c> (<see cref="GemmShape"/>) parameter.
/// </summary>
public sealed class GflopsColumn : IColumn
{
    /// <inheritdoc />
    public string Id => nameof(GflopsColumn);
    /// <inheritdoc />
    public string ColumnName => "GFLOP/s";
    /// <inheritdoc />
    public bool AlwaysShow => true;
    /// <inheritdoc />
    public ColumnCategory Category => ColumnCategory.Custom;
    /// <inheritdoc />
    public int PriorityInCategory => 0;
    /// <inheritdoc />
    public bool IsNumeric => true;
    /// <inheritdoc />
    public UnitType UnitType => UnitType.Dimensionless;
    /// <inheritdoc />
    public string Legend => "Single-precision throughput: 2·m·n·k floating-point operations per mean time";

    /// <inheritdoc />
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    /// <inheritdoc />
    public bool IsAvailable(Summary summary) => true;

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var stats = summary[benchmarkCase]?.ResultStatistics;
        double? flops = Flops(benchmarkCase);
        if (stats is null || flops is null || stats.Mean <= 0) return "-";
        return (flops.Value / stats.Mean).ToString("F1"); // flop per ns = GFLOP/s
    }

    private static double? Flops(BenchmarkCase benchmarkCase)
    {
        foreach (var p in benchmarkCase.Parameters.Items)
        {
            if (p.Value is GemmShape shape) return shape.Flops;
            if (p.Name == "Size" && p.Value is int n) return 2.0 * n * n * n;
        }
        return null;
    }

    /// <inheritdoc />
    public override string ToString() => ColumnName;
}

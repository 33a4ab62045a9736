using BenchmarkDotNet.Configs;

namespace MLNetMarginLoss.Benchmarks;

/// <summary>Adds the <see cref="GflopsColumn"/> to a benchmark's configuration.</summary>
public sealed class GflopsConfig : ManualConfig
{
    /// <summary>Creates the configuration.</summary>
    public GflopsConfig() => AddColumn(new GflopsColumn());
}

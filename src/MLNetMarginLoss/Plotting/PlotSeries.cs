namespace MLNetMarginLoss.Plotting;

/// <summary>A named line: x and y values of equal length (non-finite points are skipped when drawn).</summary>
public sealed class PlotSeries
{
    /// <summary>Creates a series.</summary>
    public PlotSeries(string name, IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Count != y.Count) throw new ArgumentException($"Series '{name}' has {x.Count} x values but {y.Count} y values.", nameof(y));
        Name = name;
        X = x;
        Y = y;
    }

    /// <summary>Legend text.</summary>
    public string Name { get; }

    /// <summary>X values.</summary>
    public IReadOnlyList<double> X { get; }

    /// <summary>Y values.</summary>
    public IReadOnlyList<double> Y { get; }
}

namespace MLNetMarginLoss.Plotting;

/// <summary>The image formats plots are saved in.</summary>
public enum PlotFormat
{
    /// <summary>A raster PNG image (the default; ".png").</summary>
    Png,

    /// <summary>A vector SVG document (".svg").</summary>
    Svg,
}

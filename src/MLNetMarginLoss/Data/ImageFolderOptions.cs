namespace MLNetMarginLoss.Data;

/// <summary>How <see cref="ImageFolderLoader"/> turns image files into dataset rows.</summary>
public sealed record ImageFolderOptions
{
    /// <summary>Resize every image to this height (with <see cref="Width"/>); null keeps the size, which must then be the same for all images.</summary>
    public int? Height { get; init; }

    /// <summary>Resize every image to this width (with <see cref="Height"/>).</summary>
    public int? Width { get; init; }

    /// <summary>1 (grayscale) or 3 (RGB); null: 1 when every image is gray, else 3. Alpha is always dropped.</summary>
    public int? Channels { get; init; }

    /// <summary>Load only the first images (class folders in order, files in order within each); all when null.</summary>
    public int? Limit { get; init; }
}

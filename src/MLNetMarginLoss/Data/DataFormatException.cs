namespace MLNetMarginLoss.Data;

/// <summary>
/// Raised when input data (a CSV, IDX or image file, a folder of images, in-memory rows) cannot be turned into a
/// <see cref="Dataset"/>. The message names the source and, where it applies, the row, line and column, and says
/// what was expected and what was found.
/// </summary>
public sealed class DataFormatException : Exception
{
    /// <summary>Creates the exception; <paramref name="source"/> is the file or description the problem is in.</summary>
    public DataFormatException(string source, string problem, Exception? inner = null)
        : base($"{source}: {problem}", inner)
    {
        Source = source;
        Problem = problem;
    }

    /// <summary>The file (or description of the data) with the problem.</summary>
    public new string Source { get; }

    /// <summary>The problem, without the source.</summary>
    public string Problem { get; }
}

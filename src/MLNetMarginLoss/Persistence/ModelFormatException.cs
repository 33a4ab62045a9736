namespace MLNetMarginLoss;

/// <summary>
/// The one exception a model file or a safetensors buffer raises when it cannot be read: truncated, corrupt,
/// foreign (not a model of this library) or written by a newer format. The message names the file and the problem.
/// </summary>
public sealed class ModelFormatException : Exception
{
    /// <summary>Creates the exception for <paramref name="source"/> (a path or a description of the bytes).</summary>
    public ModelFormatException(string source, string problem, Exception? inner = null)
        : base($"{source}: {problem}", inner)
    {
        Source = source;
        Problem = problem;
    }

    /// <summary>The file (or buffer description) that could not be read.</summary>
    public new string Source { get; }

    /// <summary>What is wrong with it, without the file name.</summary>
    public string Problem { get; }
}

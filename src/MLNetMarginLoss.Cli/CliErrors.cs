using MLNetMarginLoss.Persistence;
using MLNetMarginLoss.Training;

namespace MLNetMarginLoss.Cli;

/// <summary>Runs a command body and turns any failure into one clear line on stderr and a non-zero exit code.</summary>
internal static class CliErrors
{
    /// <summary>Exit code for bad input or a failed run.</summary>
    public const int Failure = 1;

    public static int Run(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e)
        {
            Console.Error.WriteLine("error: " + Describe(e));
            if (Environment.GetEnvironmentVariable("MLNET_MARGIN_DEBUG") == "1") Console.Error.WriteLine(e);
            return Failure;
        }
    }

    private static string Describe(Exception e)
    {
        while (e is AggregateException { InnerException: { } inner }) e = inner;
        string message = OneLine(e.Message);
        return e switch
        {
            ArgumentException or IOException or ModelFormatException or TrainingDivergedException or InvalidOperationException
                or UnauthorizedAccessException or FormatException or NotSupportedException => message,
            OperationCanceledException => "cancelled.",
            OutOfMemoryException => "out of memory: use --limit or a smaller --batch-size.",
            _ => $"{message} ({e.GetType().Name})",
        };
    }

    private static string OneLine(string s) => s.ReplaceLineEndings(" ").Trim();
}

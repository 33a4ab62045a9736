using System.Text.RegularExpressions;

namespace MLNetMarginLoss.Cli;

/// <summary>
/// Runs a command body and turns any failure into one clear line on stderr and exit code 1: the message alone, without
/// .NET's "(Parameter 'x')" or "Actual value was …" suffixes or exception type names, with the library's option names
/// written as the flags that set them (<see cref="OptionFlags"/>), and no stack trace (set MLNET_MARGIN_DEBUG=1 to see one).
/// </summary>
internal static partial class CliErrors
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

    /// <summary>The one line printed for <paramref name="e"/>.</summary>
    public static string Describe(Exception e)
    {
        while (e is AggregateException { InnerException: { } inner } || e is System.Reflection.TargetInvocationException { InnerException: { } } )
            e = e.InnerException!;
        return e switch
        {
            OperationCanceledException => "cancelled.",
            OutOfMemoryException => "out of memory: use --limit or a smaller --batch-size.",
            TrainingDivergedException diverged => TrainingFailure.Describe(diverged),
            Data.DataFormatException => Clean(e.Message), // about the data, not the options
            ArgumentException argument => OptionFlags.ForArgument(argument, Clean(e.Message)),
            _ => OptionFlags.Translate(Clean(e.Message)),
        };
    }

    /// <summary>The message on one line, without the suffixes .NET appends to argument exceptions.</summary>
    public static string Clean(string message)
    {
        message = ParameterSuffix().Replace(message, "");
        message = ActualValueSuffix().Replace(message, "");
        return message.ReplaceLineEndings(" ").Trim();
    }

    [GeneratedRegex(@"\s*\(Parameter '[^']*'\)")]
    private static partial Regex ParameterSuffix();

    [GeneratedRegex(@"\s*Actual value was [^\r\n]*\.?\s*$", RegexOptions.Multiline)]
    private static partial Regex ActualValueSuffix();
}

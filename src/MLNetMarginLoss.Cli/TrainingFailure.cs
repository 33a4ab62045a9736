using System.Globalization;
using System.Text.RegularExpressions;

namespace MLNetMarginLoss.Cli;

/// <summary>
/// Training that failed, in the command line's words. A run that diverged (the loss became NaN or infinite) stops
/// with an error; a run that finished but plainly learned nothing gets a warning. Both name the flags to change.
/// </summary>
/// <remarks>
/// A run has plainly failed when its accuracy on the evaluated data (validation, else training) is below
/// min(3·b, b + 0.15), b being the chance level: the share of the most frequent class, which always answering that
/// class scores (1/C for C balanced classes). For 10 balanced classes that is below 0.25; for 2, below 0.65; for
/// 1,000, below 0.003. A weak but working model passes; a model that guesses does not.
/// </remarks>
internal static partial class TrainingFailure
{
    /// <summary>What to change when training fails, as flags.</summary>
    private const string Advice = "lower --learning-rate or --scale, add --softmax-warmup 1, or check the input for extreme values";

    /// <summary>The accuracy under which a run counts as failed, for chance level <paramref name="chance"/>.</summary>
    public static double Threshold(double chance) => Math.Min(3 * chance, chance + 0.15);

    /// <summary>
    /// The error line for a diverged run: the library's account of where it happened, then what to change as flags.
    /// The library's own advice names C# options, so it is replaced; any other hint it gives (a weight that is not
    /// finite) is kept, its option names translated.
    /// </summary>
    public static string Describe(TrainingDivergedException e)
    {
        string message = CliErrors.Clean(e.Message);
        var parts = DivergedMessage().Match(message);
        if (!parts.Success) return $"{OptionFlags.Translate(message)} On the command line: {Advice}.";
        string hint = parts.Groups["hint"].Value;
        bool libraryAdvice = hint.Length == 0 || hint.StartsWith("Lower the learning rate", StringComparison.Ordinal);
        return $"{parts.Groups["where"].Value} {Capitalise(Advice)}." + (libraryAdvice ? "" : $" ({OptionFlags.Translate(hint).TrimEnd('.')}.)");
    }

    /// <summary>
    /// The warning for a finished run whose accuracy is not clearly above chance (see the remarks), or null when it
    /// learned something. <paramref name="evaluatedOn"/> is "validation" or "training".
    /// </summary>
    public static string? Check(double accuracy, double chance, string evaluatedOn, ArcFaceTrainer.Options options)
    {
        if (!(accuracy < Threshold(chance))) return null;
        string name = options.Optimizer.ToString().ToLowerInvariant();
        double usual = UsualLearningRate(options.Optimizer);
        string lr = options.LearningRate.ToString(CultureInfo.InvariantCulture), usualText = usual.ToString(CultureInfo.InvariantCulture);
        string cause = options.LearningRate >= 30 * usual
            ? $"--learning-rate {lr} is far above the usual {usualText} for {name}; lower it"
            : options.LearningRate <= usual / 100
                ? $"--learning-rate {lr} is far below the usual {usualText} for {name}; raise it or train more --epochs"
                : "the head is too hard to start with or training was too short; try --softmax-warmup 1, a smaller --margin or --scale, another --learning-rate, or more --epochs";
        return string.Create(CultureInfo.InvariantCulture,
            $"training failed: accuracy {accuracy:F3} on the {evaluatedOn} data is not clearly above chance ({chance:F3}, always answering the most frequent class; a model that learned something exceeds {Threshold(chance):F3}). Likely cause: {cause}.");
    }

    /// <summary>The learning rate each optimizer is usually run with (the trainer's default for Adam and AdamW).</summary>
    private static double UsualLearningRate(OptimizerKind optimizer) => optimizer switch
    {
        OptimizerKind.Sgd => 0.1,
        OptimizerKind.Adadelta => 1.0,
        _ => 1e-3,
    };

    private static string Capitalise(string s) => char.ToUpperInvariant(s[0]) + s[1..];

    /// <summary>The library's diverged message: where it happened (up to the learning rate), then its hint.</summary>
    [GeneratedRegex(@"^(?<where>.*?\(learning rate [^)]*\)\.)\s*(?<hint>.*)$", RegexOptions.Singleline)]
    private static partial Regex DivergedMessage();
}

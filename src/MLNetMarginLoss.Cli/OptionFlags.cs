using System.Text.RegularExpressions;

namespace MLNetMarginLoss.Cli;

/// <summary>
/// The command line's flags for the library's option names. The library's errors name C# options
/// (<c>ArcFaceTrainer.Options.MaxEpoch</c>, <c>SoftmaxWarmupEpochs</c>, a head's <c>margin</c> parameter); a CLI user
/// typed <c>--epochs</c>, <c>--softmax-warmup</c>, <c>--margin</c>, so every message the CLI prints says those instead.
/// </summary>
internal static partial class OptionFlags
{
    /// <summary>
    /// Option names (properties of ArcFaceTrainer.Options, EncoderSpec and HeadOptions, and the heads' parameter names
    /// that reach an ArgumentException's ParamName) and the flag that sets each.
    /// </summary>
    private static readonly Dictionary<string, string> Flags = new(StringComparer.Ordinal)
    {
        ["MaxEpoch"] = "--epochs",
        ["BatchSize"] = "--batch-size",
        ["LearningRate"] = "--learning-rate",
        ["Optimizer"] = "--optimizer",
        ["Schedule"] = "--schedule",
        ["EarlyStoppingPatience"] = "--patience",
        ["SoftmaxWarmupEpochs"] = "--softmax-warmup",
        ["CheckpointDirectory"] = "--checkpoint-dir",
        ["ValidationSet"] = "--validation",
        ["Threads"] = "--threads",
        ["Seed"] = "--seed",
        ["GemmProvider"] = "--gemm",
        ["Backend"] = "--backend",
        ["Head"] = "--head",
        ["EmbeddingSize"] = "--embedding-size",
        ["Scale"] = "--scale",
        ["scale"] = "--scale",
        ["Margin"] = "--margin",
        ["margin"] = "--margin",
        ["m2"] = "--margin", // the combined head's additive angular margin, which --margin sets
    };

    /// <summary>The flag for an option or parameter name, or null when the command line has none.</summary>
    public static string? For(string? name) => name is not null && Flags.TryGetValue(name, out var flag) ? flag : null;

    /// <summary>
    /// <paramref name="message"/> with every option name written as C# (a compound name such as <c>MaxEpoch</c>, or
    /// <c>Options.X</c>) replaced by its flag. Plain words are left alone ("the margin" stays as it is), and so is
    /// quoted text, which names the user's own things (a column 'LearningRate' of a CSV file).
    /// </summary>
    public static string Translate(string message) =>
        OptionName().Replace(message, m => m.Groups["name"].Success ? For(m.Groups["name"].Value) ?? m.Value : m.Value);

    /// <summary>
    /// The message of an argument error, with its option named as a flag: translated, and when the flag of its
    /// ParamName still does not appear, prefixed with it ("--batch-size: The batch size must be at least 2.").
    /// </summary>
    public static string ForArgument(ArgumentException e, string message)
    {
        message = Translate(message);
        return For(e.ParamName) is { } flag && !message.Contains(flag, StringComparison.Ordinal) ? $"{flag}: {message}" : message;
    }

    /// <summary>
    /// Option names as C# writes them — a name made of two or more capitalised words, or any name after "Options." —
    /// and, matched first so that they are skipped, quoted texts.
    /// </summary>
    [GeneratedRegex(@"(?<![A-Za-z])'[^']*'|\b(?:(?:ArcFaceTrainer\.)?(?:Head)?Options\.(?<name>[A-Za-z0-9]+)|(?<name>(?:[A-Z][a-z0-9]+){2,}))\b")]
    private static partial Regex OptionName();
}

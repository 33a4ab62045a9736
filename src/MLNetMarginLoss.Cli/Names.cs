namespace MLNetMarginLoss.Cli;

/// <summary>The command line's lower-case names for heads, encoders, optimizers and schedules, with errors that list the choices.</summary>
internal static class Names
{
    /// <summary>The heads' command-line names, from the library's one table.</summary>
    public static string HeadChoices(string separator) => string.Join(separator, Heads.HeadFactory.Names);

    public static HeadKind Head(string name) => Heads.HeadFactory.TryParse(name, out var kind)
        ? kind
        : throw new ArgumentException($"--head: expected one of {HeadChoices(", ")}, found '{name}'.");

    public static EncoderKind Encoder(string name) => name.Trim().ToLowerInvariant() switch
    {
        "mlp" => EncoderKind.Mlp,
        "cnn" => EncoderKind.Cnn,
        "resnet" => EncoderKind.ResNet,
        _ => throw new ArgumentException($"--encoder: expected mlp, cnn or resnet, found '{name}'."),
    };

    public static OptimizerKind Optimizer(string name) => name.Trim().ToLowerInvariant() switch
    {
        "adam" => OptimizerKind.Adam,
        "adamw" => OptimizerKind.AdamW,
        "sgd" => OptimizerKind.Sgd,
        "adadelta" => OptimizerKind.Adadelta,
        _ => throw new ArgumentException($"--optimizer: expected adam, adamw, sgd or adadelta, found '{name}'."),
    };

    public static SampledCentreUpdates SampledCentreUpdates(string name) => name.Trim().ToLowerInvariant() switch
    {
        "lazy" => MLNetMarginLoss.SampledCentreUpdates.Lazy,
        "dense" => MLNetMarginLoss.SampledCentreUpdates.Dense,
        _ => throw new ArgumentException($"--sampled-centre-updates: expected lazy or dense, found '{name}'."),
    };

    public static ScheduleKind Schedule(string name) => name.Trim().ToLowerInvariant() switch
    {
        "constant" => ScheduleKind.Constant,
        "step" => ScheduleKind.Step,
        "multistep" or "multi-step" => ScheduleKind.MultiStep,
        "cosine" => ScheduleKind.Cosine,
        "plateau" or "reduce-on-plateau" => ScheduleKind.ReduceOnPlateau,
        _ => throw new ArgumentException($"--schedule: expected constant, step, multistep, cosine or plateau, found '{name}'."),
    };

    public static GemmProvider Gemm(string name) => name.Trim().ToLowerInvariant() switch
    {
        "auto" => GemmProvider.Auto,
        "managed" => GemmProvider.Managed,
        "openblas" => GemmProvider.OpenBlas,
        _ => throw new ArgumentException($"--gemm: expected auto, managed or openblas, found '{name}'."),
    };
}

namespace MLNetMarginLoss.Cli;

/// <summary>The command line's lower-case names for heads, encoders, optimizers and schedules, with errors that list the choices.</summary>
internal static class Names
{
    public static HeadKind Head(string name) => name.Trim().ToLowerInvariant() switch
    {
        "softmax" => HeadKind.Softmax,
        "normsoftmax" => HeadKind.NormSoftmax,
        "sphereface" => HeadKind.SphereFace,
        "cosface" => HeadKind.CosFace,
        "arcface" => HeadKind.ArcFace,
        "combined" => HeadKind.Combined,
        "adacos" => HeadKind.AdaCos,
        "subcenter" => HeadKind.SubCenter,
        "curricular" => HeadKind.Curricular,
        "magface" => HeadKind.MagFace,
        "adaface" => HeadKind.AdaFace,
        "elasticface" => HeadKind.ElasticFace,
        _ => throw new ArgumentException($"--head: expected softmax, normsoftmax, sphereface, cosface, arcface, combined, adacos, subcenter, curricular, magface, adaface or elasticface, found '{name}'."),
    };

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

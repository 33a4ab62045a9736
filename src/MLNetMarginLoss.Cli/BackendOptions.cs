using System.CommandLine;

namespace MLNetMarginLoss.Cli;

/// <summary>--backend engine|torchsharp and --device cpu|cuda|cuda:N|auto, shared by train and bench.</summary>
internal sealed class BackendOptions
{
    public Option<string> Backend { get; } = new("--backend") { Description = "engine (C# SIMD, the fastest on CPUs) | torchsharp (libtorch; GPUs)", DefaultValueFactory = _ => "engine" };
    public Option<string> Device { get; } = new("--device") { Description = "torchsharp: cpu | cuda | cuda:N | auto", DefaultValueFactory = _ => "cpu" };
    public Option<string> Gemm { get; } = new("--gemm") { Description = "engine: auto | managed | openblas", DefaultValueFactory = _ => "auto" };

    public static BackendOptions Create() => new();

    public void AddTo(System.CommandLine.Command command)
    {
        command.Add(Backend);
        command.Add(Device);
        command.Add(Gemm);
    }

    /// <summary>The backend the options name (null: the engine, the trainer's default).</summary>
    public TrainingBackend? Create(ParseResult result)
    {
        string device = result.GetValue(Device)!.Trim().ToLowerInvariant();
        return result.GetValue(Backend)!.Trim().ToLowerInvariant() switch
        {
            "engine" => device == "cpu" ? null : throw new ArgumentException($"--device {device}: the engine runs on the CPU; use --backend torchsharp for GPUs."),
            "torchsharp" => new TorchSharpBackend(device),
            var other => throw new ArgumentException($"--backend: expected engine or torchsharp, found '{other}'."),
        };
    }

    /// <summary>The GEMM the engine uses.</summary>
    public GemmProvider GemmProvider(ParseResult result) => Names.Gemm(result.GetValue(Gemm)!);
}

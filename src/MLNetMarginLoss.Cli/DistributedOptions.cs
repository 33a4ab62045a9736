using System.CommandLine;

namespace MLNetMarginLoss.Cli;

/// <summary>
/// --distributed none|mpi, shared by train and bench: with mpi, the command is one process of an MPI job started by
/// MPICH's mpiexec (<c>mpiexec -np N mlnet-margin train … --distributed mpi</c>); every process reads the same data and
/// trains its part, rank 0 alone prints, evaluates and saves.
/// </summary>
internal sealed class DistributedOptions
{
    public Option<string> Distributed { get; } = new("--distributed")
    {
        Description = "none | mpi: train across the processes of an MPI job (start with MPICH's mpiexec -np N; add -disable-auto-cleanup so that the others report a failed process). --batch-size is per process.",
        DefaultValueFactory = _ => "none",
    };

    public static DistributedOptions Create() => new();

    public void AddTo(Command command) => command.Add(Distributed);

    /// <summary>The communicator the option names (null: this process alone). Starts MPI for mpi.</summary>
    public Communicator? Create(ParseResult result) => result.GetValue(Distributed)!.Trim().ToLowerInvariant() switch
    {
        "none" or "" => null,
        "mpi" => MpiCommunicator.World,
        var other => throw new ArgumentException($"--distributed: expected none or mpi, found '{other}'."),
    };

    /// <summary>Runs <paramref name="body"/>; with several processes, an error's message names the rank ("rank 1 of 4: …").</summary>
    public static int Run(Func<Communicator?> world, Func<Communicator?, int> body)
    {
        var communicator = world();
        try
        {
            return body(communicator);
        }
        catch (Exception e) when (communicator is { Size: > 1 } && e is not DistributedTrainingException)
        {
            throw new DistributedTrainingException($"{communicator.RankName}: {CliErrors.Describe(e)}", e);
        }
    }
}

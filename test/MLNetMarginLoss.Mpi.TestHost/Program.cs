using System.Globalization;
using System.Text.Json;
using MLNetMarginLoss;
using MLNetMarginLoss.Mpi.TestHost;

// The MPI tests' program, started under mpiexec: "collectives" checks every collective operation against known
// results; "train key=value… [--out file] [--exit-at epoch:batch] [--hang-at epoch:batch] [--timeout s] [--rank1 key=value]"
// trains a TestJob across the processes and rank 0 writes the per-step losses and the final weights as JSON.
var world = MpiCommunicator.World;
switch (args[0])
{
    case "collectives":
        Collectives.Check(world);
        Console.WriteLine($"rank {world.Rank}: collectives ok");
        return 0;
    case "train":
        return Train(world, args[1..]);
    default:
        Console.Error.WriteLine($"unknown mode {args[0]}");
        return 2;
}

static int Train(MpiCommunicator world, string[] args)
{
    string? output = null;
    (int Epoch, int Batch)? exitAt = null, hangAt = null;
    var settings = new List<string>();
    for (int i = 0; i < args.Length; i++)
    {
        switch (args[i])
        {
            case "--out": output = args[++i]; break;
            case "--exit-at": exitAt = Point(args[++i]); break;
            case "--hang-at": hangAt = Point(args[++i]); break;
            case "--timeout": world.Timeout = TimeSpan.FromSeconds(double.Parse(args[++i], CultureInfo.InvariantCulture)); break;
            case "--rank1": { string s = args[++i]; if (world.Rank == 1) settings.Add(s); break; }
            default: settings.Add(args[i]); break;
        }
    }
    var job = TestJob.Parse(settings);
    try
    {
        var (network, losses) = job.Train(world, p =>
        {
            if (world.Rank != 1) return;
            if (exitAt is { } e && p.Epoch == e.Epoch && p.Batch == e.Batch)
            {
                Console.Error.WriteLine("rank 1: stopping on purpose");
                Environment.Exit(3);
            }
            if (hangAt is { } h && p.Epoch == h.Epoch && p.Batch == h.Batch) Thread.Sleep(Timeout.Infinite);
        });
        if (world.Rank == 0 && output is not null)
        {
            var result = new
            {
                processes = world.Size,
                losses,
                weights = TestJob.Weights(network),
                communicationSeconds = world.CommunicationTime.TotalSeconds,
                communicatedBytes = world.CommunicatedBytes,
                collectives = world.Collectives,
                description = network.Info.TrainingOptions,
            };
            string temporary = output + ".tmp";
            File.WriteAllText(temporary, JsonSerializer.Serialize(result));
            File.Move(temporary, output, overwrite: true);
        }
        Console.WriteLine($"rank {world.Rank}: trained {losses.Count} steps");
        return 0;
    }
    catch (DistributedTrainingException e)
    {
        Console.Error.WriteLine("error: " + e.Message);
        return 1;
    }
}

static (int, int) Point(string text)
{
    var parts = text.Split(':');
    return (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
}

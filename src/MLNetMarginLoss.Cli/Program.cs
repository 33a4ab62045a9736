using System.CommandLine;
using MLNetMarginLoss.Cli.Commands;

namespace MLNetMarginLoss.Cli;

/// <summary>The <c>mlnet-margin</c> command-line tool: train, evaluate, embed, plot, bench.</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        var root = new RootCommand("Train and use margin-loss (ArcFace family) embedding models; models are standard ML.NET .zip files.")
        {
            TrainCommand.Create(),
            EvaluateCommand.Create(),
            EmbedCommand.Create(),
            PlotCommand.Create(),
            BenchCommand.Create(),
        };
        // "mlnet-margin help train" means "mlnet-margin train --help"; plain "help" is the root's help.
        if (args.Length > 0 && args[0] == "help")
            args = args.Length > 1 ? [args[1], "--help"] : ["--help"];
        return root.Parse(args).Invoke();
    }
}

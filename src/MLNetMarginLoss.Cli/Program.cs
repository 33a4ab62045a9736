using System.CommandLine;
using MLNetMarginLoss.Cli.Commands;

namespace MLNetMarginLoss.Cli;

/// <summary>The <c>mlnet-margin</c> command-line tool: train, evaluate, embed, plot, bench.</summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        var root = new RootCommand("Train and use margin-loss (ArcFace family) embedding models on the CPU.")
        {
            TrainCommand.Create(),
            EvaluateCommand.Create(),
            EmbedCommand.Create(),
            PlotCommand.Create(),
            BenchCommand.Create(),
        };
        return root.Parse(args).Invoke();
    }
}

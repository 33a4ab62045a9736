using MLNetMarginLoss.Training;
using Spectre.Console;

namespace MLNetMarginLoss.Cli;

/// <summary>
/// Shows training progress on stderr: a Spectre.Console progress bar on a terminal, one line per epoch otherwise
/// (CI logs, redirected output), so stdout stays clean for results and the JSON line.
/// </summary>
internal static class ConsoleProgress
{
    private static readonly IAnsiConsole ErrorConsole = AnsiConsole.Create(new AnsiConsoleSettings
    {
        Out = new AnsiConsoleOutput(Console.Error),
    });

    /// <summary>Runs <paramref name="work"/> with a progress sink and returns its result.</summary>
    public static T Run<T>(string title, Func<IProgress<TrainingProgress>, T> work)
    {
        if (Console.IsErrorRedirected || !ErrorConsole.Profile.Capabilities.Interactive)
            return work(new LineProgress());
        T result = default!;
        ErrorConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(title, maxValue: 1);
                result = work(new BarProgress(task));
                task.Value = task.MaxValue;
            });
        return result;
    }

    private sealed class BarProgress(ProgressTask task) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p)
        {
            task.MaxValue = Math.Max(1, p.Epochs * (double)p.Batches);
            task.Value = p.Epoch * (double)p.Batches + p.Batch;
            task.Description = $"epoch {p.Epoch + 1}/{p.Epochs} loss {p.Loss:F3} acc {p.Accuracy:P1} {p.SamplesPerSecond:F0}/s";
            if (p.EpochCompleted && p.Record is { } r) Console.Error.WriteLine(EpochLine(r));
        }
    }

    private sealed class LineProgress : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p)
        {
            if (p.EpochCompleted && p.Record is { } r) Console.Error.WriteLine($"epoch {r.Epoch + 1}/{p.Epochs}: " + EpochLine(r));
        }
    }

    private static string EpochLine(EpochRecord r) =>
        $"train loss {r.TrainLoss:F4} acc {r.TrainAccuracy:P2}" +
        (r.ValidationLoss is { } vl ? $", validation loss {vl:F4} acc {r.ValidationAccuracy:P2}" : "") +
        $", {r.SamplesPerSecond:F0} samples/s, lr {r.LearningRate:G3}{(r.MarginActive ? "" : " (softmax warm-up)")}";
}

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
            if (p.ResumedAtEpoch is { } resumed) { Console.Error.WriteLine(ResumeLine(resumed, p.Epochs)); return; }
            task.MaxValue = Math.Max(1, p.Epochs * (double)p.Batches);
            task.Value = p.Epoch * (double)p.Batches + p.Batch;
            task.Description = $"epoch {p.Epoch + 1}/{p.Epochs} loss {p.Loss:F3} margin acc {p.Accuracy:P1} {p.SamplesPerSecond:F0}/s";
            if (p.EpochCompleted && p.Record is { } r) Console.Error.WriteLine(EpochLine(r));
        }
    }

    private sealed class LineProgress : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p)
        {
            if (p.ResumedAtEpoch is { } resumed) Console.Error.WriteLine(ResumeLine(resumed, p.Epochs));
            else if (p.EpochCompleted && p.Record is { } r) Console.Error.WriteLine($"epoch {r.Epoch + 1}/{p.Epochs}: " + EpochLine(r));
        }
    }

    private static string ResumeLine(int epoch, int epochs) => epoch >= epochs
        ? $"resuming from the checkpoint: all {epochs} epochs are done; the model is the checkpoint's"
        : $"resuming from the checkpoint at epoch {epoch + 1}/{epochs} (epochs 1–{epoch} are in it)";

    /// <summary>
    /// One epoch: the training loss with the margin, the accuracy of the inference logits (s·cos θ, no margin — what
    /// the model will predict; the margin logits' accuracy, near 0 while a large margin is not yet met, in brackets),
    /// validation, throughput, learning rate.
    /// </summary>
    private static string EpochLine(EpochRecord r) =>
        $"train loss {r.TrainLoss:F4} acc {(r.TrainAccuracyWithoutMargin ?? r.TrainAccuracy):P2} (with margin {r.TrainAccuracy:P2})" +
        (r.ValidationLoss is { } vl ? $", validation loss {vl:F4} acc {r.ValidationAccuracy:P2}" : "") +
        $", {r.SamplesPerSecond:F0} samples/s, lr {r.LearningRate:G3}{(r.MarginActive ? "" : " (softmax warm-up)")}";
}

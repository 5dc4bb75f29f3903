using Controller.Learning.Training;
using Spectre.Console;

namespace Controller.Host.Cli;

/// <summary>
/// Shows a trainer's epochs on stderr: a Spectre.Console progress bar (epochs done, elapsed, remaining, the last epoch's
/// numbers) when stderr is a terminal, otherwise one plain line per epoch (logs, CI, tests).
/// </summary>
internal static class EpochProgressDisplay
{
    /// <summary>Runs <paramref name="work"/> with a progress sink shown on <paramref name="error"/>.</summary>
    public static T Run<T>(TextWriter error, string title, int epochs, Func<IProgress<EpochProgress>, T> work)
    {
        if (!ReferenceEquals(error, Console.Error) || Console.IsErrorRedirected)
        {
            return work(new LineProgress(error, title));
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(Markup.Escape(title), maxValue: epochs);
                return work(new BarProgress(task, title));
            });
    }

    private sealed class LineProgress(TextWriter error, string title) : IProgress<EpochProgress>
    {
        public void Report(EpochProgress value) => error.WriteLine($"{title}: epoch {value.Epoch}/{value.Epochs}  {value.Summary}");
    }

    private sealed class BarProgress(ProgressTask task, string title) : IProgress<EpochProgress>
    {
        public void Report(EpochProgress value)
        {
            task.MaxValue = value.Epochs;
            task.Value = value.Epoch;
            task.Description = Markup.Escape($"{title} {value.Epoch}/{value.Epochs}  {value.Summary}");
        }
    }
}

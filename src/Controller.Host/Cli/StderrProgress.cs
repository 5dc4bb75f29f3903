namespace Controller.Host.Cli;

/// <summary>
/// Reports "what: done/total unit" on stderr synchronously (System.Progress posts to the thread pool and
/// can print after the work has finished), about ten times per run.
/// </summary>
internal sealed class StderrProgress(TextWriter error, string what, int total, string unit) : IProgress<int>
{
    private readonly Lock _gate = new();
    private int _lastPrinted;

    public void Report(int value)
    {
        var step = Math.Max(1, total / 10);
        lock (_gate)
        {
            if (value >= _lastPrinted + step || value == total)
            {
                _lastPrinted = value;
                error.WriteLine($"{what}: {value}/{total} {unit}");
            }
        }
    }
}

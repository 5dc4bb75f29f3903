using System.Diagnostics;
using System.Globalization;
using Controller.Learning.Training;
using Xunit.Abstractions;

namespace Controller.Learning.Tests;

/// <summary>
/// Wall time per epoch of <see cref="AggTrainer"/> at the defaults (1 thread), for comparing with
/// <c>PYTHONPATH=src /usr/bin/python3 -m training.train_agg --out DIR --epochs 3</c>: runs only with
/// <c>AGG_TIMING_EPOCHS=N</c> (N epochs, test set and baselines included, as the Python run); <c>AGG_TIMING_OUT=DIR</c> also
/// writes the artifact there.
/// </summary>
public sealed class AggTimingTests(ITestOutputHelper output)
{
    [Fact]
    public void Epochs_At_The_Defaults_Report_Their_Wall_Time()
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable("AGG_TIMING_EPOCHS"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var epochs))
        {
            output.WriteLine("AGG_TIMING_EPOCHS not set: not timed.");
            return;
        }

        var clock = Stopwatch.StartNew();
        var outcome = AggTrainer.Train(
            new AggTrainingOptions { Epochs = epochs, Command = $"AGG_TIMING_EPOCHS={epochs} dotnet test tests/Controller.Learning.Tests --filter FullyQualifiedName~AggTiming" },
            new Progress(output));
        if (Environment.GetEnvironmentVariable("AGG_TIMING_OUT") is { Length: > 0 } directory)
        {
            ArtifactWriter.Write(directory, outcome);
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"wall {clock.Elapsed.TotalSeconds:F1} s; manifest wallSeconds {outcome.Manifest.Training!.Other["wallSeconds"]}, dataSeconds {outcome.Manifest.Training.Other["dataSeconds"]}"));
        output.WriteLine(outcome.Manifest.Evaluation!.Value.ToString());
        Assert.Equal(epochs, outcome.History.Count);
    }

    private sealed class Progress(ITestOutputHelper output) : IProgress<EpochProgress>
    {
        private TimeSpan _cpu = Process.GetCurrentProcess().TotalProcessorTime;

        public void Report(EpochProgress value)
        {
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{value.Summary}  (process CPU {(cpu - _cpu).TotalSeconds:F2} s)"));
            _cpu = cpu;
        }
    }
}

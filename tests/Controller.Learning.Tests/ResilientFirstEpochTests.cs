using System.Diagnostics;
using System.Globalization;
using Controller.Learning.Training;
using Controller.Policies;
using Xunit.Abstractions;

namespace Controller.Learning.Tests;

/// <summary>
/// The first epoch of the default training (4 APs, 40 users, 256 training and 128 validation configurations, batch 32,
/// seed 1, one thread) against epoch 1 of <c>resilient-gnn-m4-n40</c> as the Python trainer wrote it with the same defaults
/// (kept in Fixtures/ since the committed artifact was retrained by <c>controller train</c>) and against the committed one. TorchSharp's CPU generator and parameter initialization are PyTorch's, so from the same seed both
/// start from the same weights and draw the same shuffles and samples; with data equal to the export's and the step
/// equal within rounding (the one-step parity test, in history at commit 9b6a26f), the epoch's history row agrees with the Python one to the
/// digits history.csv keeps (six significant). Prints the epoch's wall time.
/// </summary>
[Collection(TorchGlobalState.Name)]
public sealed class ResilientFirstEpochTests(ITestOutputHelper output)
{
    private const string Artifact = "resilient-gnn-m4-n40";

    [Fact]
    public void First_Default_Epoch_Matches_The_Python_Trainer_And_The_Committed_Artifact()
    {
        var committed = new LearnedPolicies().Load(Artifact);
        var command = committed.Manifest.Training!.Other["command"].GetString()!;
        Assert.StartsWith($"controller train resilient-gnn --out src/Controller.Policies/artifacts/{Artifact} ", command, StringComparison.Ordinal);
        var lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", $"{Artifact}.pytorch-history.csv"));
        var header = lines[0].Split(',');
        var python = lines[1].Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var committedLines = File.ReadAllLines(Path.Combine(committed.Directory, "history.csv"));
        Assert.Equal(header, committedLines[0].Split(','));
        var committedRow = committedLines[1].Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();

        var clock = Stopwatch.StartNew();
        var outcome = new ResilientTrainer(new ResilientTrainerOptions { Epochs = 1, TestConfigs = 0 }).Train();
        var training = outcome.Manifest.Training!.Other;
        var row = outcome.History[0];
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"data {training["dataSeconds"].GetDouble()} s, epoch {row["seconds"]:F2} s, wall {clock.Elapsed.TotalSeconds:F1} s (Python's epoch 1: {python[^1]:F2} s on the machine that trained it)"));
        foreach (var (column, index) in header.Select((c, i) => (c, i)).Where(p => p.c is not "epoch" and not "seconds"))
        {
            var mine = row[column];
            var relative = python[index] == 0 ? Math.Abs(mine) : Math.Abs(mine - python[index]) / Math.Abs(python[index]);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{column,-24} C# {mine,-12:G6} Python {python[index],-12:G6} relative {relative:E1}"));
            // history.csv keeps six significant digits.
            Assert.True(relative <= 1e-5, $"{column}: C# {mine}, Python {python[index]}");
            var stored = committedRow[index];
            Assert.True(Math.Abs(mine - stored) <= 1e-6 * Math.Max(1, Math.Abs(stored)), $"{column}: this run {mine}, committed {stored}");
        }
    }
}

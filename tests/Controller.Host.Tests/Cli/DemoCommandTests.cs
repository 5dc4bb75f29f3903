using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Controller.Host.Tests.Cli;

public sealed partial class DemoCommandTests
{
    [Fact]
    public void Demo_runs_saves_state_and_resumes_it()
    {
        var directory = Directory.CreateTempSubdirectory("demo-");
        try
        {
            string[] args = ["demo", "--duration", "2", "--regions", "2", "--period", "20", "--state-dir", directory.FullName, "--listen", "none", "--view", "lines", "--policy", "alcor(wmmse)"];
            var first = CliRun.Of(args);
            Assert.True(first.ExitCode == 0, first.Error);
            Assert.DoesNotContain("(resuming)", first.Error, StringComparison.Ordinal);
            Assert.Contains("t=1s loops=", first.Output, StringComparison.Ordinal);
            var firstLoops = Loops(first.Output);
            Assert.True(firstLoops >= 20, first.Output);
            Assert.NotEmpty(Directory.EnumerateFiles(directory.FullName, "*", SearchOption.AllDirectories));

            var second = CliRun.Of(args);
            Assert.True(second.ExitCode == 0, second.Error);
            Assert.Contains("(resuming)", second.Error, StringComparison.Ordinal);
            // Region iterations continue from the stored count.
            Assert.True(Loops(second.Output) > firstLoops, second.Output);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Demo_with_unknown_policy_is_one_line_error()
    {
        var run = CliRun.Of("demo", "--policy", "alcor(nope)", "--listen", "none", "--duration", "1");
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("error: Unknown policy 'nope'", run.Error, StringComparison.Ordinal);
        Assert.Single(run.Error.Trim().Split('\n'));
    }

    [Fact]
    public void Bench_loop_reports_latency_updates_and_cpu()
    {
        var run = CliRun.Of("bench", "loop", "--cells", "8", "--users", "80", "--period", "20", "--warmup", "1", "--duration", "1", "--json");
        Assert.True(run.ExitCode == 0, run.Error);
        using var json = JsonDocument.Parse(run.Output);
        var root = json.RootElement;
        Assert.Equal(2, root.GetProperty("regions").GetInt32());
        Assert.True(root.GetProperty("loops").GetInt64() > 0);
        Assert.True(root.GetProperty("p99Ms").GetDouble() >= root.GetProperty("p50Ms").GetDouble());
        Assert.True(root.GetProperty("userUpdatesPerSecond").GetDouble() > 0);
        Assert.Equal(4000, root.GetProperty("targetUserUpdatesPerSecond").GetDouble());
        Assert.True(root.TryGetProperty("overruns", out _));
        Assert.True(root.GetProperty("cpuPercent").GetDouble() > 0);
    }

    [Fact]
    public void Bench_loop_refuses_uneven_splits()
    {
        var run = CliRun.Of("bench", "loop", "--cells", "10", "--users", "80");
        Assert.Equal(2, run.ExitCode);
        Assert.Equal("error: --cells (10) must be a multiple of --cells-per-region (4).", run.Error.Trim());
    }

    private static long Loops(string output)
    {
        var match = SummaryLoops().Match(output);
        Assert.True(match.Success, output);
        return long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"demo summary: .*?, (\d+) loops;")]
    private static partial Regex SummaryLoops();
}

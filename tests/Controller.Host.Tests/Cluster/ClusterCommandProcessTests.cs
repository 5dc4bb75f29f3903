using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Controller.Host.Tests.Cluster;

/// <summary><c>controller cluster</c> as a process: it starts, says where things are, and leaves nothing behind however it ends.</summary>
[Collection(ClusterRunsAlone.Name)]
[Trait("Category", "Process")]
[Trait("Category", "Azurite")]
[Trait("Category", "Redis")]
public sealed partial class ClusterCommandProcessTests
{
    [Fact]
    public async Task Cluster_SigkilledVerb_ItsChildrenDieAndItsFilesGo()
    {
        using var verb = StartCluster();
        var (pids, directory, _) = await WaitStartedAsync(verb);

        // SIGKILL to the verb alone: no finally block runs; the watchdogs and the janitor must clean up.
        verb.Process.Kill(entireProcessTree: false);

        var left = await WaitGoneAsync(pids, directory);
        Assert.True(left.Count == 0 && !Directory.Exists(directory), $"left behind: pids {string.Join(", ", left)}; directory {(Directory.Exists(directory) ? directory : "removed")}\n{verb.Output}");
    }

    [Fact]
    public async Task Cluster_Sigterm_StopsEverythingAndExitsZero()
    {
        using var verb = StartCluster();
        var (pids, directory, output) = await WaitStartedAsync(verb);

        Assert.Matches(DashboardRegex(), output);
        Assert.Contains("API key file: ", output, StringComparison.Ordinal);
        // SIGTERM (the verb treats it as Ctrl+C); SIGINT would be ignored when the test run was started in the
        // background of a non-interactive shell, as CI may start it.
        using (var kill = Process.Start("kill", ["-TERM", verb.Process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await verb.Process.WaitForExitAsync(timeout.Token);
        var left = await WaitGoneAsync(pids, directory);
        Assert.Equal(0, verb.Process.ExitCode);
        Assert.Empty(left);
        Assert.False(Directory.Exists(directory));
        Assert.Contains("cluster: stopped", verb.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cluster_BadMembershipOrMissingRedis_OneLineAndExit2()
    {
        var bad = await ControllerProcess.RunAsync(null, "cluster", "--membership", "zookeeper");
        var missing = await ControllerProcess.RunAsync(new Dictionary<string, string?> { ["REDIS_SERVER"] = "/nonexistent/redis-server" }, "cluster");
        var one = await ControllerProcess.RunAsync(null, "bench", "failover", "--control", "1");

        Assert.Equal(2, bad.Code);
        Assert.Single(bad.Stderr.Trim().Split('\n'));
        Assert.Contains("zookeeper", bad.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, missing.Code);
        Assert.Equal("error: REDIS_SERVER is set to '/nonexistent/redis-server', which does not exist.", missing.Stderr.Trim());
        Assert.Equal(2, one.Code);
        Assert.StartsWith("error: bench failover needs at least 2 control silos", one.Stderr.Trim(), StringComparison.Ordinal);
    }

    private static Verb StartCluster()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "controller.dll"), "cluster", "--control", "1", "--inference", "0", "--regions", "1" })
        {
            start.ArgumentList.Add(argument);
        }

        return new Verb(Process.Start(start)!);
    }

    /// <summary>The pids of every child (silos and services) and the temporary directory, from the verb's description.</summary>
    private static async Task<(List<int> Pids, string Directory, string Output)> WaitStartedAsync(Verb verb)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (!verb.Output.Contains("Ctrl+C stops everything.", StringComparison.Ordinal))
        {
            Assert.False(verb.Process.HasExited, $"controller cluster exited early:\n{verb.Output}");
            Assert.True(DateTime.UtcNow < deadline, $"controller cluster did not start within 3 minutes:\n{verb.Output}");
            await Task.Delay(200);
        }

        var output = verb.Output;
        var pids = PidRegex().Matches(output).Select(m => int.Parse(m.Groups["pid"].Value, CultureInfo.InvariantCulture)).ToList();
        var directory = FilesRegex().Match(output).Groups["dir"].Value;
        Assert.True(pids.Count >= 4, output); // control-1, azurite, redis, ran-sim
        Assert.True(Directory.Exists(directory), output);
        Assert.All(pids, pid => Assert.False(Process.GetProcessById(pid).HasExited));
        return (pids, directory, output);
    }

    private static async Task<List<int>> WaitGoneAsync(List<int> pids, string directory)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        List<int> left;
        do
        {
            await Task.Delay(250);
            left = pids.Where(Alive).ToList();
        }
        while ((left.Count > 0 || Directory.Exists(directory)) && DateTime.UtcNow < deadline);
        return left;
    }

    private static bool Alive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"pid (?<pid>\d+)")]
    private static partial Regex PidRegex();

    [GeneratedRegex(@"files in (?<dir>\S+)")]
    private static partial Regex FilesRegex();

    [GeneratedRegex(@"dashboard: +http://127\.0\.0\.1:\d+/")]
    private static partial Regex DashboardRegex();

    private sealed class Verb : IDisposable
    {
        private readonly System.Text.StringBuilder _output = new();

        public Verb(Process process)
        {
            Process = process;
            process.OutputDataReceived += (_, e) => Add(e.Data);
            process.ErrorDataReceived += (_, e) => Add(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public Process Process { get; }

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                // The whole tree: whatever a failed assertion left running.
                Process.Kill(entireProcessTree: true);
                Process.WaitForExit();
            }

            Process.Dispose();
        }

        private void Add(string? line)
        {
            if (line is not null)
            {
                lock (_output)
                {
                    _output.AppendLine(line);
                }
            }
        }
    }
}

using System.Diagnostics;
using Controller.Ran.Contract;
using Controller.Ran.Http;
using Controller.Ran.Simulation;

namespace Controller.Ran.Tests.Http;

/// <summary><c>controller ran-sim</c> as a real child process, reached with <see cref="RanHttpClient"/>.</summary>
[Trait("Category", "Process")]
public sealed class RanSimProcessTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task RanSim_ClientPullsAndPushes_SameRanAsInProcessThenStopsOnSigterm()
    {
        using var process = Start("ran-sim", "--listen", "http://127.0.0.1:0", "--regions", "3", "--seed", "7", "--set", "users=10", "--set", "aps=2");
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            var banner = await process.StandardError.ReadLineAsync(timeout.Token);
            Assert.NotNull(banner);
            Assert.Matches(@"^ran-sim: listening on http://127\.0\.0\.1:\d+/ \(resilient-rrm, seed 7: 3 regions, 6 cells, 30 users\); Ctrl\+C to stop$", banner);
            var address = new Uri(banner["ran-sim: listening on ".Length..banner.IndexOf(' ', "ran-sim: listening on ".Length)]);
            using var http = new HttpClient { Timeout = Patience };
            var client = new RanHttpClient(http, address);
            var local = new RanSimulator(new RanSimulatorOptions { Regions = 3, Seed = 7, Settings = [new("users", "10"), new("aps", "2")] });

            var topology = await client.GetTopologyAsync(timeout.Token);
            var telemetry = await client.PullTelemetryAsync("r002", timeout.Token);
            var decision = Decisions.Serve(topology.Regions[2], telemetry);
            var receipt = await client.PushDecisionsAsync("r002", decision, timeout.Token);
            var next = await client.PullTelemetryAsync("r002", timeout.Token);

            Assert.Equal(local.Topology.Regions.SelectMany(r => r.UserIds), topology.Regions.SelectMany(r => r.UserIds));
            Assert.Equal(local.PullTelemetry("r002").Gains.Select(row => row.ToArray()), telemetry.Gains.Select(row => row.ToArray()));
            Assert.Equal(local.PushDecisions("r002", decision).Rates, receipt.Rates);
            Assert.Equal(1, next.Slot);

            Signal(process, "TERM");
            await process.WaitForExitAsync(timeout.Token);

            Assert.Equal(0, process.ExitCode);
            Assert.Equal("ran-sim: stopped", (await process.StandardError.ReadToEndAsync(timeout.Token)).Trim());
            Assert.Equal(string.Empty, await stdout);
            await Assert.ThrowsAsync<RanUnavailableException>(() => client.PullTelemetryAsync("r002", CancellationToken.None));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    [Theory]
    [InlineData("error: --listen must be an http URL with a port, such as http://127.0.0.1:5080 (got 'ftp://127.0.0.1:5080').", "--listen", "ftp://127.0.0.1:5080")]
    [InlineData("error: --listen must be an http URL with a port, such as http://127.0.0.1:5080 (got 'http://127.0.0.1').", "--listen", "http://127.0.0.1")]
    [InlineData("error: --listen takes no path or query; the RAN serves under /ran (got 'http://127.0.0.1:0/x').", "--listen", "http://127.0.0.1:0/x")]
    [InlineData("error: Unknown scenario 'nope'; known: gaussian-ic, alcor-cellular, resilient-rrm, agg-gnn, isac.", "--listen", "http://127.0.0.1:0", "--scenario", "nope")]
    [InlineData("error: Setting 'users' of scenario 'resilient-rrm' got '-3'; it must be an integer in [1, 16384].", "--listen", "http://127.0.0.1:0", "--set", "users=-3")]
    [InlineData("error: --regions must be a whole number in [1, 100000] (got '0'). (see 'controller ran-sim --help')", "--listen", "http://127.0.0.1:0", "--regions", "0")]
    [InlineData("error: Option '--listen' is required. (see 'controller ran-sim --help')")]
    public async Task RanSim_BadArguments_OneLineAndExitCode2(string expected, params string[] args)
    {
        using var process = Start(["ran-sim", .. args]);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Patience);
        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(2, process.ExitCode);
        Assert.Equal(expected, (await stderr).Trim());
        Assert.Equal(string.Empty, await stdout);
    }

    private static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "controller.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start)!;
    }

    /// <summary>Sends a POSIX signal (Process.Kill would send SIGKILL, which no program can handle).</summary>
    private static void Signal(Process process, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) } })!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Controller.Grains;
using Controller.Grains.Hosting;
using Controller.Host.Api;
using Controller.Host.Cli;
using Controller.Host.Hosting;
using Controller.Radio.Evaluation;
using Controller.Ran.Simulation;
using Microsoft.Extensions.DependencyInjection;

namespace Controller.Host.Benchmarks;

/// <summary>Settings of one API load run.</summary>
/// <param name="Regions">Regions of the demo's network (resilient-rrm: 4 cells, 40 users each).</param>
/// <param name="PeriodMs">Loop period of every region.</param>
/// <param name="WarmupSeconds">Seconds run before measuring.</param>
/// <param name="DurationSeconds">Seconds of each phase (idle, then under load).</param>
/// <param name="WrkThreads">wrk's threads.</param>
/// <param name="Connections">wrk's open connections.</param>
/// <param name="Paths">Paths wrk reads, in turn.</param>
/// <param name="Rate">
/// Target reads per second (0: as fast as wrk can). wrk has no rate option; its Lua <c>delay</c> makes each
/// connection wait <c>connections x 1000 / rate</c> ms (whole ms) before each request, so the rate reached is at most
/// the target and a little under it by the requests' own latency; the measured rate is what is reported.
/// </param>
/// <param name="WrkNice">
/// Niceness wrk runs at (0-19). The load generator shares the 2 cores with the controller here, which a remote reader
/// would not: at 19 the kernel lets the controller's threads run first when both want a core, so what is left of the
/// disturbance is the API's own work in the controller rather than the generator's competition for CPU. The rate wrk
/// still reaches is reported either way.
/// </param>
internal sealed record ApiLoadSettings(int Regions, int PeriodMs, int WarmupSeconds, int DurationSeconds, int WrkThreads, int Connections, IReadOnlyList<string> Paths, int Rate = 0, int WrkNice = 19)
{
    /// <summary>Each connection's pause before a request, in whole ms (0 when unpaced).</summary>
    public int DelayMs => Rate > 0 ? (int)Math.Round(Connections * 1000.0 / Rate) : 0;
}

/// <summary>Loop latency in one phase.</summary>
/// <param name="Loops">Completed loops.</param>
/// <param name="P50Ms">Median loop latency.</param>
/// <param name="P99Ms">99th percentile loop latency.</param>
/// <param name="MaxMs">Slowest loop.</param>
/// <param name="Overruns">Ticks skipped because a loop still ran.</param>
internal sealed record LoopPhase(int Loops, double P50Ms, double P99Ms, double MaxMs, long Overruns);

/// <summary>What an API load run measured.</summary>
/// <param name="Idle">Loops with no HTTP load.</param>
/// <param name="Loaded">Loops while wrk read.</param>
/// <param name="RequestsPerSecond">wrk's requests per second.</param>
/// <param name="Errors">wrk's non-2xx/3xx responses and socket errors.</param>
/// <param name="RequestP99Ms">wrk's 99th percentile request latency.</param>
internal sealed record ApiLoadResult(LoopPhase Idle, LoopPhase Loaded, double RequestsPerSecond, long Errors, double RequestP99Ms);

/// <summary>
/// <c>controller bench api</c>: do reads of the API disturb the loops? The demo's silo in this process (in-memory
/// state, the simulator, the API on a free loopback port), every region on its timer; after a warm-up, loop latency
/// for a phase with no HTTP load, then for a phase of the same length while Debian's <c>wrk</c> (another process, on
/// the same cores) reads the API as fast as it can, cycling through <see cref="ApiLoadSettings.Paths"/>. Grain state
/// goes to files in a temporary directory, as the demo keeps it.
/// </summary>
internal static partial class ApiLoadBenchmark
{
    /// <summary>What a dashboard reads: the overview, a region, a user, a page of users.</summary>
    public static readonly string[] DefaultPaths = ["/api/overview", "/api/regions/r000", "/api/users/r000/u001", "/api/users?limit=20"];

    public static async Task<ApiLoadResult> RunAsync(ApiLoadSettings settings, TextWriter progress, CancellationToken cancellationToken)
    {
        var wrk = FindWrk() ?? throw new CliUsageException("bench api needs Debian's 'wrk' (apt-get install wrk; infra/bench-api installs it as root).");
        var simulator = new RanSimulator(new RanSimulatorOptions { Regions = settings.Regions });
        var setup = new ControlPlaneSetup(simulator, simulator.Topology, new ControlPlaneOptions { PeriodMs = settings.PeriodMs }, HostPolicies.Provider);
        // File state as the demo keeps it, in a directory of this run's own.
        var state = Directory.CreateTempSubdirectory("controller-bench-api-").FullName;
        try
        {
            return await RunAsync(settings, wrk, setup, state, progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    private static async Task<ApiLoadResult> RunAsync(ApiLoadSettings settings, string wrk, ControlPlaneSetup setup, string state, TextWriter progress, CancellationToken cancellationToken)
    {
        var silo = new SiloSettings
        {
            Control = setup,
            Storage = builder => Controller.Persistence.FileGrainStorageSiloBuilderExtensions.AddFileGrainStorage(builder, ControlPlaneHosting.StorageName, files => files.RootDirectory = state),
            StorageProbe = SiloHosting.FileStorageProbe(state),
        };
        var host = await ControllerHost.StartAsync(silo.WithFreePorts(), "http://127.0.0.1:0", controllerLogs: false, cancellationToken).ConfigureAwait(false);
        await using var _ = host.ConfigureAwait(false);
        var topology = host.Services.GetRequiredService<ControlTopology>();
        var monitor = host.Services.GetRequiredService<ControlPlaneMonitor>();
        await host.Grains.StartAllAsync(topology, null, settings.PeriodMs, cancellationToken).ConfigureAwait(false);
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bench api: {settings.Regions} regions every {settings.PeriodMs} ms, API on {host.Address}; warming up {settings.WarmupSeconds} s"));
        await Task.Delay(TimeSpan.FromSeconds(settings.WarmupSeconds), cancellationToken).ConfigureAwait(false);

        var idle = await PhaseAsync(monitor, () => Task.Delay(TimeSpan.FromSeconds(settings.DurationSeconds), cancellationToken)).ConfigureAwait(false);
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bench api: idle    loops {idle.Loops}  p50 {idle.P50Ms:F2} ms  p99 {idle.P99Ms:F2} ms  overruns {idle.Overruns}"));

        var script = Path.Combine(Path.GetTempPath(), $"controller-bench-api-{Environment.ProcessId}.lua");
        await File.WriteAllTextAsync(script, Script(settings.Paths, settings.DelayMs), cancellationToken).ConfigureAwait(false);
        string output = "";
        try
        {
            var loaded = await PhaseAsync(monitor, async () =>
            {
                var start = new ProcessStartInfo(settings.WrkNice > 0 ? Nice : wrk) { RedirectStandardOutput = true, RedirectStandardError = true };
                var prefix = settings.WrkNice > 0 ? new[] { "-n", settings.WrkNice.ToString(CultureInfo.InvariantCulture), wrk } : [];
                foreach (var argument in prefix.Concat(new[] { "-t", settings.WrkThreads.ToString(CultureInfo.InvariantCulture), "-c", settings.Connections.ToString(CultureInfo.InvariantCulture), "-d", $"{settings.DurationSeconds}s", "--latency", "-s", script, host.Address!.ToString().TrimEnd('/') }))
                {
                    start.ArgumentList.Add(argument);
                }

                using var process = Process.Start(start)!;
                var read = process.StandardOutput.ReadToEndAsync(cancellationToken);
                var error = process.StandardError.ReadToEndAsync(cancellationToken);
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                output = await read.ConfigureAwait(false) + await error.ConfigureAwait(false);
            }).ConfigureAwait(false);
            await host.Grains.StopAllAsync(topology, CancellationToken.None).ConfigureAwait(false);
            var result = new ApiLoadResult(idle, loaded, Number(RequestsPerSecond(), output), (long)(Number(NonSuccess(), output) + SocketErrors(output)), Milliseconds(output));
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bench api: loaded  loops {loaded.Loops}  p50 {loaded.P50Ms:F2} ms  p99 {loaded.P99Ms:F2} ms  overruns {loaded.Overruns}; wrk {result.RequestsPerSecond:F0} requests/s, {result.Errors} errors"));
            return result;
        }
        finally
        {
            File.Delete(script);
        }
    }

    private static async Task<LoopPhase> PhaseAsync(ControlPlaneMonitor monitor, Func<Task> during)
    {
        var overruns = monitor.Aggregate().Overruns;
        monitor.ResetLatencies();
        await during().ConfigureAwait(false);
        var latencies = monitor.LoopLatencies();
        // The aggregate is cached for 200 ms: the overrun count may lag by that much, which a phase of seconds can carry.
        var after = monitor.Aggregate().Overruns;
        return latencies.Length == 0
            ? new LoopPhase(0, double.NaN, double.NaN, double.NaN, after - overruns)
            : new LoopPhase(latencies.Length, RateStatistics.Percentile(latencies, 50), RateStatistics.Percentile(latencies, 99), latencies.Max(), after - overruns);
    }

    /// <summary>coreutils' nice, which starts wrk with every thread at the niceness asked for.</summary>
    private const string Nice = "nice";

    /// <summary>wrk's Lua: each request takes the next path in turn, after <paramref name="delayMs"/> ms when paced.</summary>
    internal static string Script(IReadOnlyList<string> paths, int delayMs = 0) =>
        "local paths = {" + string.Join(", ", paths.Select(p => "\"" + p.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"")) + "}\n" +
        "local i = 0\n" +
        "request = function()\n  i = i % #paths + 1\n  return wrk.format(\"GET\", paths[i])\nend\n" +
        (delayMs > 0 ? string.Create(CultureInfo.InvariantCulture, $"delay = function()\n  return {delayMs}\nend\n") : "");

    private static string? FindWrk() => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/bin")
        .Select(d => Path.Combine(d, "wrk")).FirstOrDefault(File.Exists);

    private static double Number(Regex pattern, string text) =>
        pattern.Match(text) is { Success: true } match ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;

    private static double SocketErrors(string text) =>
        SocketErrorLine().Match(text) is { Success: true } match
            ? match.Groups.Cast<Group>().Skip(1).Sum(g => double.Parse(g.Value, CultureInfo.InvariantCulture))
            : 0;

    /// <summary>The 99 % line of wrk's latency distribution, in ms.</summary>
    private static double Milliseconds(string text)
    {
        if (P99Line().Match(text) is not { Success: true } match)
        {
            return double.NaN;
        }

        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch
        {
            "us" => value / 1000,
            "s" => value * 1000,
            "m" => value * 60_000,
            _ => value,
        };
    }

    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+([0-9]+)")]
    private static partial Regex NonSuccess();

    [GeneratedRegex(@"Socket errors: connect ([0-9]+), read ([0-9]+), write ([0-9]+), timeout ([0-9]+)")]
    private static partial Regex SocketErrorLine();

    [GeneratedRegex(@"\s99%\s+([0-9.]+)(us|ms|s|m)")]
    private static partial Regex P99Line();
}

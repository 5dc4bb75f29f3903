using System.Diagnostics;
using System.Globalization;
using Controller.Grains;
using Controller.Radio.Evaluation;
using Controller.Ran.Simulation;
using Controller.Grains.Hosting;
using Controller.Host.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Controller.Host.Benchmarks;

/// <summary>Settings of one loop benchmark run.</summary>
/// <param name="Cells">Cells in all regions.</param>
/// <param name="Users">Users in all regions.</param>
/// <param name="CellsPerRegion">Cells per region (the scenario's aps).</param>
/// <param name="PeriodMs">Loop period of every region.</param>
/// <param name="Policy">Policy of every region.</param>
/// <param name="WarmupSeconds">Seconds run before measuring.</param>
/// <param name="DurationSeconds">Seconds measured.</param>
/// <param name="Seed">Simulator and policy seed.</param>
internal sealed record LoopBenchmarkSettings(int Cells, int Users, int CellsPerRegion, int PeriodMs, string Policy, double WarmupSeconds, double DurationSeconds, ulong Seed)
{
    /// <summary>The ISAC scenario's name: regions of paper 002's network (3 base stations, beams), sized by <see cref="IsacRegions"/>.</summary>
    public const string IsacScenario = "isac";

    /// <summary>Scenario of the simulated regions: <see cref="RanSimulatorOptions.DefaultScenario"/> (sized by cells and users) or <see cref="IsacScenario"/>.</summary>
    public string Scenario { get; init; } = RanSimulatorOptions.DefaultScenario;

    /// <summary>Regions of the isac scenario (its own cells and users per region).</summary>
    public int IsacRegions { get; init; } = 8;

    /// <summary>True for the isac scenario.</summary>
    public bool IsIsac => Scenario == IsacScenario;

    public int Regions => IsIsac ? IsacRegions : Cells / CellsPerRegion;

    /// <summary>True: gnn: policies go through inference grains (this process, or <see cref="InferenceSilos"/>); false: each region runs the model.</summary>
    public bool ThroughInferenceGrains { get; init; }

    /// <summary>Backend of the inference grains ("managed" or "torchsharp").</summary>
    public string InferenceBackend { get; init; } = Controller.Grains.Inference.InferenceSilo.ManagedBackend;

    /// <summary>libtorch intra-op threads of the torchsharp backend.</summary>
    public int TorchThreads { get; init; } = 1;

    public int UsersPerRegion => Users / Regions;

    /// <summary>Why the settings cannot run, or null.</summary>
    public string? Problem() =>
        IsIsac ? null
        : Cells % CellsPerRegion != 0 ? string.Create(CultureInfo.InvariantCulture, $"--cells ({Cells}) must be a multiple of --cells-per-region ({CellsPerRegion}).")
        : Users % Regions != 0 ? string.Create(CultureInfo.InvariantCulture, $"--users ({Users}) must split evenly over {Regions} regions.")
        : Users / Regions < CellsPerRegion ? string.Create(CultureInfo.InvariantCulture, $"{Users / Regions} users per region is fewer than its {CellsPerRegion} cells.")
        : null;
}

/// <summary>What a loop benchmark measured.</summary>
internal sealed record LoopBenchmarkResult(
    LoopBenchmarkSettings Settings,
    long Loops,
    double P50Ms,
    double P99Ms,
    double MaxMs,
    long Overruns,
    long FailedLoops,
    double LoopsPerSecond,
    double UserUpdatesPerSecond,
    double CpuPercent,
    double SetupSeconds,
    int Gen0Collections,
    int Gen1Collections,
    int Gen2Collections,
    double GcPauseMs)
{
    /// <summary>ISAC regions only: what the designs achieved over the measured window, else null.</summary>
    public IsacLoopQuality? Isac { get; init; }
}

/// <summary>
/// What ISAC regions' designs achieved over a loop benchmark's measured window: every region's status sampled once a
/// second (the last applied design's RAN-reported CRLB and WSR under the true channel, the iterations its loop was
/// given), averaged over regions and samples.
/// </summary>
/// <param name="Samples">Region samples averaged (regions x seconds, those with a design).</param>
/// <param name="MeanIterations">Mean BOBLRBF iterations per subproblem a loop was given.</param>
/// <param name="MinIterations">Fewest iterations seen in a sample.</param>
/// <param name="MaxIterations">Most iterations seen in a sample.</param>
/// <param name="MeanTrueWsr">Mean WSR under the true channel, bps/Hz.</param>
/// <param name="MeanCrlb">Mean CRLB of the target positions, m^2 (finite samples only).</param>
internal sealed record IsacLoopQuality(long Samples, double MeanIterations, int MinIterations, int MaxIterations, double MeanTrueWsr, double MeanCrlb);

/// <summary>
/// <c>controller bench loop</c>: the embedded control plane at scale. One Orleans silo (in-memory grain state), the in-process simulator with <c>cells / cells-per-region</c>
/// regions of paper 003's scenario, every region on its timer with the given policy. After a warm-up it
/// measures loop latency (pull to learn, every completed loop of every region), timer overruns, user updates
/// per second and the process's CPU use relative to all cores.
/// </summary>
internal static class LoopBenchmark
{
    public static async Task<LoopBenchmarkResult> RunAsync(LoopBenchmarkSettings settings, TextWriter progress, CancellationToken cancellationToken)
    {
        var setupClock = Stopwatch.StartNew();
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bench loop: {settings.Regions} {settings.Scenario} regions{(settings.IsIsac ? string.Empty : $" x {settings.CellsPerRegion} cells x {settings.UsersPerRegion} users")}, {settings.Policy}, every {settings.PeriodMs} ms"));
        var simulator = new RanSimulator(new RanSimulatorOptions
        {
            Scenario = settings.Scenario,
            Regions = settings.Regions,
            Seed = settings.Seed,
            Settings = settings.IsIsac
                ? []
                :
                [
                    new("aps", settings.CellsPerRegion.ToString(CultureInfo.InvariantCulture)),
                    new("users", settings.UsersPerRegion.ToString(CultureInfo.InvariantCulture)),
                ],
        });
        var usersPerRegion = simulator.Topology.Regions.Sum(r => r.UserIds.Count) / (double)settings.Regions;
        var setup = new ControlPlaneSetup(simulator, simulator.Topology, new ControlPlaneOptions { Policy = settings.Policy, PeriodMs = settings.PeriodMs, Seed = settings.Seed, InferenceSilo = settings.ThroughInferenceGrains, InferenceBackend = settings.InferenceBackend }, Cli.HostPolicies.Provider);
        var silo = await ControllerHost.StartAsync(new SiloSettings { Control = setup, TorchThreads = settings.TorchThreads }.WithFreePorts(), "none", controllerLogs: false, cancellationToken).ConfigureAwait(false);
        await using var _ = silo.ConfigureAwait(false);
        var runtime = silo.Grains;
        var topology = silo.Services.GetRequiredService<ControlTopology>();
        var monitor = silo.Services.GetRequiredService<ControlPlaneMonitor>();
        // Activate every grain before the clock starts (activation reads state and is not part of a loop).
        await StatusesAsync(runtime, simulator, cancellationToken).ConfigureAwait(false);
        setupClock.Stop();
        await runtime.StartAllAsync(topology, settings.Policy, settings.PeriodMs, cancellationToken).ConfigureAwait(false);
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bench loop: set up in {setupClock.Elapsed.TotalSeconds:F1} s; warming up {settings.WarmupSeconds:F0} s"));
        await Task.Delay(TimeSpan.FromSeconds(settings.WarmupSeconds), cancellationToken).ConfigureAwait(false);

        var before = await SnapshotAsync(runtime, simulator, cancellationToken).ConfigureAwait(false);
        monitor.ResetLatencies();
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpuBefore = process.TotalProcessorTime;
        var gcBefore = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());
        var clock = Stopwatch.StartNew();
        var end = TimeSpan.FromSeconds(settings.DurationSeconds);
        var quality = settings.IsIsac ? new IsacQualitySampler() : null;
        while (clock.Elapsed < end)
        {
            await Task.Delay(TimeSpan.FromSeconds(Math.Min(1, (end - clock.Elapsed).TotalSeconds)), cancellationToken).ConfigureAwait(false);
            if (quality is not null)
            {
                quality.Add(await StatusesAsync(runtime, simulator, cancellationToken).ConfigureAwait(false));
            }

            var view = monitor.Aggregate();
            progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"bench loop: {clock.Elapsed.TotalSeconds,5:F1} s  loops {view.Loops - before.Iterations,8}  p50 {view.LoopP50Ms:F2} ms  p99 {view.LoopP99Ms:F2} ms  overruns {view.Overruns - before.Overruns}"));
        }

        var elapsed = clock.Elapsed.TotalSeconds;
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
        var gcAfter = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());
        var latencies = monitor.LoopLatencies();
        await runtime.StopAllAsync(topology, cancellationToken).ConfigureAwait(false);
        var after = await SnapshotAsync(runtime, simulator, cancellationToken).ConfigureAwait(false);
        var loops = after.Iterations - before.Iterations;
        return new LoopBenchmarkResult(
            settings,
            loops,
            latencies.Length == 0 ? double.NaN : RateStatistics.Percentile(latencies, 50),
            latencies.Length == 0 ? double.NaN : RateStatistics.Percentile(latencies, 99),
            latencies.Length == 0 ? double.NaN : latencies.Max(),
            after.Overruns - before.Overruns,
            after.Failed - before.Failed,
            loops / elapsed,
            loops * usersPerRegion / elapsed,
            100 * cpu / (elapsed * Environment.ProcessorCount),
            setupClock.Elapsed.TotalSeconds,
            gcAfter.Item1 - gcBefore.Item1,
            gcAfter.Item2 - gcBefore.Item2,
            gcAfter.Item3 - gcBefore.Item3,
            (gcAfter.Item4 - gcBefore.Item4).TotalMilliseconds)
        {
            Isac = quality?.Result(),
        };
    }

    /// <summary>
    /// The median run of <paramref name="runs"/>: every measured number is the median of the runs' (loops, overruns
    /// and collections rounded down), the settings the first run's.
    /// </summary>
    public static LoopBenchmarkResult Median(IReadOnlyList<LoopBenchmarkResult> runs)
    {
        ArgumentOutOfRangeException.ThrowIfZero(runs.Count);
        double M(Func<LoopBenchmarkResult, double> value) => RateStatistics.Percentile([.. runs.Select(value)], 50);
        long L(Func<LoopBenchmarkResult, long> value) => (long)Math.Floor(M(r => value(r)));
        var isac = runs.Select(r => r.Isac).OfType<IsacLoopQuality>().ToArray();
        double Q(Func<IsacLoopQuality, double> value) => RateStatistics.Percentile([.. isac.Select(value)], 50);
        return new LoopBenchmarkResult(
            runs[0].Settings,
            L(r => r.Loops),
            M(r => r.P50Ms),
            M(r => r.P99Ms),
            M(r => r.MaxMs),
            L(r => r.Overruns),
            L(r => r.FailedLoops),
            M(r => r.LoopsPerSecond),
            M(r => r.UserUpdatesPerSecond),
            M(r => r.CpuPercent),
            M(r => r.SetupSeconds),
            (int)L(r => r.Gen0Collections),
            (int)L(r => r.Gen1Collections),
            (int)L(r => r.Gen2Collections),
            M(r => r.GcPauseMs))
        {
            Isac = isac.Length == 0 ? null : new IsacLoopQuality(
                (long)Q(q => q.Samples),
                Q(q => q.MeanIterations),
                isac.Min(q => q.MinIterations),
                isac.Max(q => q.MaxIterations),
                Q(q => q.MeanTrueWsr),
                Q(q => q.MeanCrlb)),
        };
    }

    /// <summary>Averages ISAC regions' statuses sampled during the measured window.</summary>
    private sealed class IsacQualitySampler
    {
        private long _samples;
        private long _crlbSamples;
        private double _iterations;
        private double _wsr;
        private double _crlb;
        private int _min = int.MaxValue;
        private int _max;

        public void Add(IEnumerable<RegionStatus> statuses)
        {
            foreach (var isac in statuses.Select(s => s.Isac))
            {
                if (isac is not { IterationBudget: > 0, TrueWsr: { } wsr })
                {
                    continue;
                }

                _samples++;
                _iterations += isac.IterationBudget;
                _min = Math.Min(_min, isac.IterationBudget);
                _max = Math.Max(_max, isac.IterationBudget);
                _wsr += wsr;
                if (isac.Crlb is { } crlb)
                {
                    _crlbSamples++;
                    _crlb += crlb;
                }
            }
        }

        public IsacLoopQuality Result() => _samples == 0
            ? new IsacLoopQuality(0, double.NaN, 0, 0, double.NaN, double.NaN)
            : new IsacLoopQuality(_samples, _iterations / _samples, _min, _max, _wsr / _samples, _crlbSamples == 0 ? double.NaN : _crlb / _crlbSamples);
    }

    /// <summary>Every region's status (activating the regions not yet active).</summary>
    private static Task<RegionStatus[]> StatusesAsync(IGrainFactory runtime, RanSimulator simulator, CancellationToken cancellationToken) =>
        Task.WhenAll(simulator.Topology.Regions.Select(r => runtime.GetGrain<IRegionGrain>(r.RegionId).GetStatusAsync(cancellationToken)));

    private static async Task<(long Iterations, long Overruns, long Failed)> SnapshotAsync(IGrainFactory runtime, RanSimulator simulator, CancellationToken cancellationToken)
    {
        var statuses = await StatusesAsync(runtime, simulator, cancellationToken).ConfigureAwait(false);
        return (
            statuses.Sum(s => s.Iterations),
            statuses.Sum(s => s.Overruns),
            statuses.Sum(s => s.RejectedTelemetry + s.Unavailable + s.RejectedDecisions));
    }
}

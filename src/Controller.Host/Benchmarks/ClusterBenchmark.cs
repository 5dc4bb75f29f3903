using System.Diagnostics;
using Controller.Radio.Evaluation;
using Controller.Runtime.Cluster;
using Controller.Runtime.Grains;
using Controller.Runtime.Placement;

namespace Controller.Host.Benchmarks;

/// <summary>Settings of one cluster benchmark run.</summary>
/// <param name="Runtime">Grains, calls, callers and latency calls, as in <c>bench runtime</c>.</param>
/// <param name="Payload">Doubles carried by each call (0: the bare counter call; 280: a 40-user, 4-cell GNN question).</param>
internal sealed record ClusterBenchmarkSettings(RuntimeBenchmarkSettings Runtime, int Payload);

/// <summary>One way of calling: calls per second at the given concurrency, sequential latency, CPU per call.</summary>
internal sealed record ClusterPhase(double CallsPerSecond, double LoadedP50Micros, double LoadedP99Micros, double P50Micros, double P99Micros, double CpuMicrosPerCall);

/// <summary>Remote calls through the transport against the same calls to grains of the same process.</summary>
internal sealed record ClusterBenchmarkResult(ClusterBenchmarkSettings Settings, ClusterPhase Remote, ClusterPhase Local);

/// <summary>
/// <c>controller bench cluster</c>: grain calls between two silos joined by the real transport (a caller runtime,
/// a host runtime behind a Kestrel <see cref="SiloServer"/> on loopback HTTP/2; both in this process, so the CPU
/// per call counts both ends), against the same calls to the caller's own grains in the same run.
/// </summary>
internal static class ClusterBenchmark
{
    public static async Task<ClusterBenchmarkResult> RunAsync(ClusterBenchmarkSettings settings, TextWriter progress, CancellationToken cancellationToken)
    {
        var hosted = new SiloId(1);
        await using var host = new GrainRuntimeBuilder().AddGrain<IBenchGrain, BenchGrain>().Build();
        await using var server = await SiloServer.StartAsync(host, new SiloServerOptions(), cancellationToken).ConfigureAwait(false);
        using var transport = new HttpClusterTransport(new Dictionary<SiloId, Uri> { [hosted] = server.Address });
        // Keys "r..." live on the host silo, all others on the caller.
        await using var caller = new GrainRuntimeBuilder()
            .AddGrain<IBenchGrain, BenchGrain>()
            .UseCluster(new PrefixLocator(hosted), LocalGrainLocator.Silo, transport)
            .Build();
        var run = settings.Runtime;
        var remote = Enumerable.Range(0, run.Grains).Select(i => caller.GetGrain<IBenchGrain>($"r{i}")).ToArray();
        var local = Enumerable.Range(0, run.Grains).Select(i => caller.GetGrain<IBenchGrain>($"l{i}")).ToArray();
        var payload = new double[settings.Payload];
        Func<int, long, ValueTask<long>> Via(IBenchGrain[] grains) => settings.Payload == 0 ? (i, v) => grains[i].AddAsync(v) : (i, _) => grains[i].AddAllAsync(payload);

        progress.WriteLine($"bench cluster: activating {run.Grains} grains on each silo ({server.Address}), warm-up");
        await Task.WhenAll(remote.Select(g => g.AddAsync(0).AsTask()).Concat(local.Select(g => g.AddAsync(0).AsTask()))).ConfigureAwait(false);
        var warmup = run with { Calls = Math.Min(run.Calls, 20_000), LatencyCalls = Math.Min(run.LatencyCalls, 2_000) };
        await MeasureAsync(Via(remote), warmup, cancellationToken).ConfigureAwait(false);
        await MeasureAsync(Via(local), warmup, cancellationToken).ConfigureAwait(false);

        progress.WriteLine($"bench cluster: {run.Calls} calls, {run.Concurrency} callers, then {run.LatencyCalls} sequential calls; remote, then local");
        var remotePhase = await MeasureAsync(Via(remote), run, cancellationToken).ConfigureAwait(false);
        var localPhase = await MeasureAsync(Via(local), run, cancellationToken).ConfigureAwait(false);
        return new ClusterBenchmarkResult(settings, remotePhase, localPhase);
    }

    private static async Task<ClusterPhase> MeasureAsync(Func<int, long, ValueTask<long>> call, RuntimeBenchmarkSettings settings, CancellationToken cancellationToken)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var (rate, loaded) = await RuntimeBenchmark.ThroughputAsync(call, settings, cancellationToken).ConfigureAwait(false);
        var cpuPerCall = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / loaded.Length;
        var latency = await RuntimeBenchmark.LatencyAsync(call, settings, cancellationToken).ConfigureAwait(false);
        return new ClusterPhase(rate, RateStatistics.Percentile(loaded, 50), RateStatistics.Percentile(loaded, 99), RateStatistics.Percentile(latency, 50), RateStatistics.Percentile(latency, 99), cpuPerCall);
    }

    private sealed class PrefixLocator(SiloId hosted) : IGrainLocator
    {
        public SiloId Locate(GrainId grain) => grain.Key.StartsWith('r') ? hosted : LocalGrainLocator.Silo;
    }
}

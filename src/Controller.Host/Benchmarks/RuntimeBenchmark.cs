using System.Diagnostics;
using System.Threading.Channels;
using System.Threading.Tasks.Sources;
using Controller.Radio.Evaluation;
using Controller.Host.Hosting;

namespace Controller.Host.Benchmarks;

/// <summary>The grain the runtime benchmark calls: one request, one small piece of work, one reply.</summary>
[Alias("bench")]
public interface IBenchGrain : IGrainWithStringKey
{
    /// <summary>Adds <paramref name="value"/> to the grain's counter and returns the new total.</summary>
    ValueTask<long> AddAsync(long value);

    /// <summary>Adds the count of <paramref name="values"/> to the counter (a call with a payload, such as a GNN question).</summary>
    ValueTask<long> AddAllAsync(double[] values);
}

/// <summary>Implementation of <see cref="IBenchGrain"/>.</summary>
[GrainType("bench")]
internal sealed class BenchGrain : Grain, IBenchGrain
{
    private long _total;

    public ValueTask<long> AddAsync(long value) => ValueTask.FromResult(_total += value);

    public ValueTask<long> AddAllAsync(double[] values) => ValueTask.FromResult(_total += values.Length);
}

/// <summary>Settings of one runtime benchmark run.</summary>
/// <param name="Grains">Distinct grains called round-robin.</param>
/// <param name="Calls">Calls in the throughput phase (each phase: runtime and baseline).</param>
/// <param name="Concurrency">Callers with a call in flight during the throughput phase.</param>
/// <param name="LatencyCalls">Sequential calls timed one by one in the latency phase.</param>
internal sealed record RuntimeBenchmarkSettings(int Grains, int Calls, int Concurrency, int LatencyCalls);

/// <summary>Outcome: throughput under load and unloaded call latency, for the runtime and for the raw baseline.</summary>
internal sealed record RuntimeBenchmarkResult(
    RuntimeBenchmarkSettings Settings,
    double CallsPerSecond,
    double P50Micros,
    double P99Micros,
    double LoadedP50Micros,
    double LoadedP99Micros,
    double BaselineCallsPerSecond,
    double BaselineP50Micros,
    double BaselineP99Micros,
    double CpuSeconds);

/// <summary>
/// <c>controller bench runtime</c>: Orleans request/response calls from outside the grains (the silo's grain
/// factory, as the API and the demo call) across many grains, against a raw baseline doing the same work through
/// one bounded channel and one reader loop per "grain" (a mailbox without ids, activation, references, copying
/// or tracing). Both phases run in
/// the same process, one after the other, with the same callers and the same round-robin over keys.
/// </summary>
internal static class RuntimeBenchmark
{
    public static async Task<RuntimeBenchmarkResult> RunAsync(RuntimeBenchmarkSettings settings, TextWriter progress, CancellationToken cancellationToken)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        progress.WriteLine("bench runtime: starting an Orleans silo");
        var silo = await ControllerHost.StartAsync(new SiloSettings { Role = "inference" }.WithFreePorts(), "none", controllerLogs: false, cancellationToken).ConfigureAwait(false);
        await using var _ = silo.ConfigureAwait(false);
        var grains = Enumerable.Range(0, settings.Grains).Select(i => silo.Grains.GetGrain<IBenchGrain>($"g{i}")).ToArray();
        progress.WriteLine($"bench runtime: activating {settings.Grains} grains");
        await Task.WhenAll(grains.Select(g => g.AddAsync(0).AsTask())).ConfigureAwait(false);

        var baseline = new ChannelBaseline(settings.Grains);
        Func<int, long, ValueTask<long>> viaRuntime = (i, v) => grains[i].AddAsync(v);
        Func<int, long, ValueTask<long>> viaBaseline = baseline.AddAsync;

        progress.WriteLine("bench runtime: warm-up");
        await ThroughputAsync(viaRuntime, settings with { Calls = Math.Min(settings.Calls, 200_000) }, cancellationToken).ConfigureAwait(false);
        await ThroughputAsync(viaBaseline, settings with { Calls = Math.Min(settings.Calls, 200_000) }, cancellationToken).ConfigureAwait(false);

        progress.WriteLine($"bench runtime: {settings.Calls} calls, {settings.Concurrency} callers, runtime then baseline");
        var (runtimeRate, runtimeLoaded) = await ThroughputAsync(viaRuntime, settings, cancellationToken).ConfigureAwait(false);
        var (baselineRate, _) = await ThroughputAsync(viaBaseline, settings, cancellationToken).ConfigureAwait(false);

        progress.WriteLine($"bench runtime: {settings.LatencyCalls} sequential calls for latency");
        var runtimeLatency = await LatencyAsync(viaRuntime, settings, cancellationToken).ConfigureAwait(false);
        var baselineLatency = await LatencyAsync(viaBaseline, settings, cancellationToken).ConfigureAwait(false);
        baseline.Complete();

        return new RuntimeBenchmarkResult(
            settings,
            runtimeRate,
            RateStatistics.Percentile(runtimeLatency, 50),
            RateStatistics.Percentile(runtimeLatency, 99),
            RateStatistics.Percentile(runtimeLoaded, 50),
            RateStatistics.Percentile(runtimeLoaded, 99),
            baselineRate,
            RateStatistics.Percentile(baselineLatency, 50),
            RateStatistics.Percentile(baselineLatency, 99),
            (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds);
    }

    internal static async Task<(double CallsPerSecond, double[] LatencyMicros)> ThroughputAsync(Func<int, long, ValueTask<long>> call, RuntimeBenchmarkSettings settings, CancellationToken cancellationToken)
    {
        var perCaller = settings.Calls / settings.Concurrency;
        var samples = new double[perCaller * settings.Concurrency];
        var started = Stopwatch.GetTimestamp();
        var callers = new Task[settings.Concurrency];
        for (var c = 0; c < settings.Concurrency; c++)
        {
            var caller = c;
            callers[c] = Task.Run(
                async () =>
                {
                    var grain = caller % settings.Grains;
                    for (var i = 0; i < perCaller; i++)
                    {
                        var sent = Stopwatch.GetTimestamp();
                        await call(grain, 1).ConfigureAwait(false);
                        samples[(caller * perCaller) + i] = Stopwatch.GetElapsedTime(sent).TotalMicroseconds;
                        grain += settings.Concurrency;
                        if (grain >= settings.Grains)
                        {
                            grain -= settings.Grains;
                        }
                    }
                },
                cancellationToken);
        }

        await Task.WhenAll(callers).ConfigureAwait(false);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return (samples.Length / seconds, samples);
    }

    internal static async Task<double[]> LatencyAsync(Func<int, long, ValueTask<long>> call, RuntimeBenchmarkSettings settings, CancellationToken cancellationToken)
    {
        var samples = new double[settings.LatencyCalls];
        for (var i = 0; i < samples.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var sent = Stopwatch.GetTimestamp();
            await call(i % settings.Grains, 1).ConfigureAwait(false);
            samples[i] = Stopwatch.GetElapsedTime(sent).TotalMicroseconds;
        }

        return samples;
    }

    /// <summary>The raw baseline: per key a bounded channel and a reader loop that does the work and completes a value-task source.</summary>
    private sealed class ChannelBaseline
    {
        private readonly Channel<Request>[] _channels;
        private readonly long[] _totals;

        public ChannelBaseline(int keys)
        {
            _channels = new Channel<Request>[keys];
            _totals = new long[keys];
            for (var i = 0; i < keys; i++)
            {
                _channels[i] = Channel.CreateBounded<Request>(new BoundedChannelOptions(1024) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
                var key = i;
                ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Self.ReadAsync(state.Key), (Self: this, Key: key), preferLocal: false);
            }
        }

        public ValueTask<long> AddAsync(int key, long value)
        {
            var request = new Request(value);
            return _channels[key].Writer.TryWrite(request) ? request.AsValueTask() : WriteSlowAsync(key, request);
        }

        public void Complete()
        {
            foreach (var channel in _channels)
            {
                channel.Writer.TryComplete();
            }
        }

        private async ValueTask<long> WriteSlowAsync(int key, Request request)
        {
            await _channels[key].Writer.WriteAsync(request).ConfigureAwait(false);
            return await request.AsValueTask().ConfigureAwait(false);
        }

        private async Task ReadAsync(int key)
        {
            var reader = _channels[key].Reader;
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out var request))
                {
                    request.Complete(_totals[key] += request.Value);
                }
            }
        }
    }

    private sealed class Request(long value) : IValueTaskSource<long>
    {
        private ManualResetValueTaskSourceCore<long> _completion = new() { RunContinuationsAsynchronously = true };

        public long Value => value;

        public ValueTask<long> AsValueTask() => new(this, _completion.Version);

        public void Complete(long result) => _completion.SetResult(result);

        public long GetResult(short token) => _completion.GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => _completion.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) => _completion.OnCompleted(continuation, state, token, flags);
    }
}

using System.Collections.Concurrent;
using Controller.Grains;
using Controller.Radio.Evaluation;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Controller.Host.Api;

/// <summary>A region at one sample: its policy, loops, latency of the loops since the previous sample, rates.</summary>
/// <param name="Time">When sampled.</param>
/// <param name="Policy">Policy in force.</param>
/// <param name="Iterations">Loops completed (across restarts).</param>
/// <param name="Outcome">How its last loop ended.</param>
/// <param name="Loops">Completed loops since the previous sample.</param>
/// <param name="LoopP50Ms">Median latency of those loops (null when none).</param>
/// <param name="LoopP99Ms">99th percentile latency of those loops (null when none).</param>
/// <param name="LoopMaxMs">Slowest of those loops (null when none).</param>
/// <param name="MeanRate">Mean of its users' rate averages, bps/Hz.</param>
/// <param name="FifthPercentileRate">5th percentile of its users' rate averages, bps/Hz.</param>
/// <param name="Violations">Users whose rate average is below their positive demand.</param>
public sealed record RegionHistoryPoint(DateTimeOffset Time, string Policy, long Iterations, LoopOutcome Outcome, int Loops, double? LoopP50Ms, double? LoopP99Ms, double? LoopMaxMs, double? MeanRate, double? FifthPercentileRate, int Violations);

/// <summary>A user at one sample (paper 003's duals and slack; paper 001's ALCOR lambda and kappa when its region runs ALCOR).</summary>
/// <param name="Time">When sampled.</param>
/// <param name="RateAverage">Exponential average of its rate, bps/Hz.</param>
/// <param name="Demand">Demand in force, bps/Hz.</param>
/// <param name="Mu">Resilient mu.</param>
/// <param name="Slack">Resilient slack z.</param>
/// <param name="AlcorLambda">ALCOR lambda (null when the region does not run ALCOR).</param>
/// <param name="Kappa">ALCOR kappa (null when the region does not run ALCOR).</param>
public sealed record UserHistoryPoint(DateTimeOffset Time, double? RateAverage, double? Demand, double? Mu, double? Slack, double? AlcorLambda, double? Kappa);

/// <summary>A cell's last decision at one sample.</summary>
/// <param name="Time">When sampled.</param>
/// <param name="Slot">RAN slot the decision was applied to.</param>
/// <param name="Power">Transmit power (0 = off).</param>
/// <param name="ServedUser">User served, null when none.</param>
/// <param name="Policy">Policy that decided it.</param>
public sealed record CellHistoryPoint(DateTimeOffset Time, long Slot, double? Power, string? ServedUser, string Policy);

/// <summary>One entity's sampled history, oldest first.</summary>
/// <typeparam name="T">The point type.</typeparam>
/// <param name="Id">The entity.</param>
/// <param name="IntervalSeconds">Seconds between samples.</param>
/// <param name="Points">The samples kept (at most the history's length).</param>
public sealed record EntityHistory<T>(string Id, double IntervalSeconds, IReadOnlyList<T> Points);

/// <summary>How much history the API keeps.</summary>
internal sealed record HistoryOptions
{
    /// <summary>Time between samples.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Samples kept per entity (the oldest drop out).</summary>
    public int Length { get; init; } = 300;

    /// <summary>Users (and cells) beyond which their history is not kept: 2,000 users x 300 samples is ~40 MB.</summary>
    public int MaxEntities { get; init; } = 2_000;
}

/// <summary>
/// The per-entity history the API serves: every <see cref="HistoryOptions.Interval"/> it samples what region
/// grains publish to the <see cref="ControlPlaneMonitor"/> (regions and users, no grain call) and asks each cell grain
/// for its last decision, keeping the last <see cref="HistoryOptions.Length"/> samples in memory. It is this silo's
/// view (regions running elsewhere are not sampled) and starts empty with the process; durable history belongs to a
/// metrics store (<c>/metrics</c>, OTLP). A failed sample is logged and the next one tries again.
/// </summary>
internal sealed partial class OperatorHistory(ControlPlaneMonitor monitor, ControlTopology topology, IGrainFactory grains, HistoryOptions options, TimeProvider time, ILogger<OperatorHistory> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, Ring<RegionHistoryPoint>> _regions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Ring<UserHistoryPoint>> _users = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Ring<CellHistoryPoint>> _cells = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _loopsSeen = new(StringComparer.Ordinal);

    /// <summary>Seconds between samples.</summary>
    public double IntervalSeconds => options.Interval.TotalSeconds;

    /// <summary>A region's samples, oldest first (empty before the first).</summary>
    public IReadOnlyList<RegionHistoryPoint> Region(string regionId) => _regions.TryGetValue(regionId, out var ring) ? ring.ToArray() : [];

    /// <summary>A user's samples, oldest first.</summary>
    public IReadOnlyList<UserHistoryPoint> User(string userId) => _users.TryGetValue(userId, out var ring) ? ring.ToArray() : [];

    /// <summary>A cell's samples, oldest first.</summary>
    public IReadOnlyList<CellHistoryPoint> Cell(string cellId) => _cells.TryGetValue(cellId, out var ring) ? ring.ToArray() : [];

    /// <summary>Takes one sample of every region, user and cell now (the timer's work; tests call it directly).</summary>
    public async Task SampleAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var region in topology.Regions)
        {
            if (monitor.Region(region.RegionId) is not { } snapshot)
            {
                continue;
            }

            SampleRegion(region.RegionId, snapshot, now);
        }

        if (topology.CellCount <= options.MaxEntities)
        {
            var cells = topology.Regions.SelectMany(r => r.CellIds).ToArray();
            var views = await Task.WhenAll(cells.Select(id => grains.GetGrain<ICellGrain>(id).GetViewAsync(cancellationToken))).ConfigureAwait(false);
            foreach (var view in views)
            {
                if (view.LastDecision is { } decision)
                {
                    RingOf(_cells, view.CellId).Add(new CellHistoryPoint(now, decision.Slot, Finite(decision.Power), decision.ServedUser, decision.Policy));
                }
            }
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await SampleAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // History is for operators' eyes: a sample that failed (a cell grain busy while the silo stops, a
                    // deactivation) must not end the sampling, and says why once per failure.
                    SampleFailed(logger, exception.GetType().Name, exception.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The host is stopping.
        }
    }

    private void SampleRegion(string regionId, RegionSnapshot snapshot, DateTimeOffset now)
    {
        var loops = monitor.RegionLoops(regionId);
        long since;
        lock (_loopsSeen)
        {
            since = loops - _loopsSeen.GetValueOrDefault(regionId, loops - 1);
            _loopsSeen[regionId] = loops;
        }

        var recent = monitor.RecentLoopLatencies(regionId, (int)Math.Clamp(since, 0, ControlPlaneMonitor.LatencyWindow));
        var violations = 0;
        for (var u = 0; u < snapshot.RateAverages.Length; u++)
        {
            violations += snapshot.Demands[u] > 0 && snapshot.RateAverages[u] < snapshot.Demands[u] ? 1 : 0;
        }

        var rates = snapshot.RateAverages;
        RingOf(_regions, regionId).Add(new RegionHistoryPoint(
            now,
            snapshot.Policy,
            snapshot.Iterations,
            snapshot.Outcome,
            recent.Length,
            recent.Length == 0 ? null : Finite(RateStatistics.Percentile(recent, 50)),
            recent.Length == 0 ? null : Finite(RateStatistics.Percentile(recent, 99)),
            recent.Length == 0 ? null : Finite(recent.Max()),
            rates.Length == 0 ? null : Finite(rates.Average()),
            rates.Length == 0 ? null : Finite(RateStatistics.Percentile(rates, 5)),
            violations));
        if (topology.UserCount > options.MaxEntities)
        {
            return;
        }

        var alcor = snapshot.AlcorLambda.Length == rates.Length;
        for (var u = 0; u < rates.Length; u++)
        {
            RingOf(_users, snapshot.UserIds[u]).Add(new UserHistoryPoint(
                now,
                Finite(rates[u]),
                Finite(snapshot.Demands[u]),
                Finite(snapshot.Mu[u]),
                Finite(snapshot.Slack[u]),
                alcor ? Finite(snapshot.AlcorLambda[u]) : null,
                alcor ? Finite(snapshot.Kappa[u]) : null));
        }
    }

    private Ring<T> RingOf<T>(ConcurrentDictionary<string, Ring<T>> rings, string id) => rings.GetOrAdd(id, _ => new Ring<T>(options.Length));

    /// <summary>JSON has no NaN or infinity: a value that is not finite is absent (null).</summary>
    internal static double? Finite(double value) => double.IsFinite(value) ? value : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "history: a sample failed ({Kind}: {Reason}); the next one tries again")]
    private static partial void SampleFailed(ILogger logger, string kind, string reason);

    private sealed class Ring<T>(int capacity)
    {
        private readonly T[] _items = new T[capacity];
        private int _next;
        private int _count;

        public void Add(T item)
        {
            lock (_items)
            {
                _items[_next] = item;
                _next = (_next + 1) % _items.Length;
                _count = Math.Min(_count + 1, _items.Length);
            }
        }

        public T[] ToArray()
        {
            lock (_items)
            {
                var result = new T[_count];
                for (var i = 0; i < _count; i++)
                {
                    result[i] = _items[(_next - _count + i + _items.Length) % _items.Length];
                }

                return result;
            }
        }
    }
}

using System.Collections.Concurrent;
using Controller.Optimization.Alcor;
using Controller.Radio.Evaluation;

namespace Controller.Grains;

/// <summary>One region's latest loop, as its grain published it (immutable).</summary>
/// <param name="RegionId">The region.</param>
/// <param name="Policy">Policy in force.</param>
/// <param name="Iterations">Loops completed.</param>
/// <param name="Slot">RAN slot of the last applied decision.</param>
/// <param name="Outcome">How the last loop ended.</param>
/// <param name="LoopMs">Latency of the last loop.</param>
/// <param name="UserIds">Users, in telemetry order.</param>
/// <param name="RateAverages">Per-user rate averages.</param>
/// <param name="Demands">Per-user effective demands.</param>
/// <param name="Mu">Per-user resilient mu.</param>
/// <param name="Slack">Per-user resilient slack.</param>
/// <param name="AlcorLambda">Per-user ALCOR lambda (empty when the region does not run ALCOR).</param>
/// <param name="Kappa">Per-user ALCOR kappa (empty when the region does not run ALCOR).</param>
public sealed record RegionSnapshot(
    string RegionId,
    string Policy,
    long Iterations,
    long Slot,
    LoopOutcome Outcome,
    double LoopMs,
    IReadOnlyList<string> UserIds,
    double[] RateAverages,
    double[] Demands,
    double[] Mu,
    double[] Slack,
    double[] AlcorLambda,
    double[] Kappa);

/// <summary>The scalars of one region loop, as its grain publishes them.</summary>
/// <param name="Policy">Policy in force.</param>
/// <param name="Iterations">Loops completed.</param>
/// <param name="Slot">RAN slot of the last applied decision.</param>
/// <param name="Outcome">How the loop ended.</param>
/// <param name="LoopMs">Its latency.</param>
/// <param name="UserIds">Users, in telemetry order.</param>
internal readonly record struct LoopSummary(string Policy, long Iterations, long Slot, LoopOutcome Outcome, double LoopMs, IReadOnlyList<string> UserIds);

/// <summary>A constrained user for the console view: its duals say how hard its demand binds.</summary>
/// <param name="UserId">The user.</param>
/// <param name="RateAverage">Its rate average.</param>
/// <param name="Demand">Its demand.</param>
/// <param name="Mu">Resilient mu.</param>
/// <param name="Slack">Resilient slack.</param>
/// <param name="AlcorLambda">ALCOR lambda (NaN when not running ALCOR).</param>
public sealed record ConstrainedUser(string UserId, double RateAverage, double Demand, double Mu, double Slack, double AlcorLambda);

/// <summary>The whole control plane at a glance.</summary>
/// <param name="Regions">Regions that published a loop.</param>
/// <param name="Users">Users in them.</param>
/// <param name="Loops">Loops completed.</param>
/// <param name="LoopP50Ms">Median loop latency over the recent window.</param>
/// <param name="LoopP99Ms">99th percentile loop latency over the recent window.</param>
/// <param name="MeanRate">Mean of users' rate averages.</param>
/// <param name="FifthPercentileRate">5th percentile of users' rate averages.</param>
/// <param name="Violations">Users with a demand whose rate average is below it.</param>
/// <param name="UsersWithDemand">Users with a positive demand.</param>
/// <param name="RejectedTelemetry">Telemetry samples rejected.</param>
/// <param name="Unavailable">Loops that found the RAN unreachable.</param>
/// <param name="Overruns">Timer ticks skipped.</param>
/// <param name="FailedLoops">Loops that failed (policy could not be built or threw).</param>
/// <param name="LastFailure">Region and reason of the latest failed loop, null when none failed.</param>
/// <param name="Policies">Regions per policy.</param>
/// <param name="TopConstrained">Users with the largest duals.</param>
public sealed record ControlPlaneView(
    int Regions,
    int Users,
    long Loops,
    double LoopP50Ms,
    double LoopP99Ms,
    double MeanRate,
    double FifthPercentileRate,
    int Violations,
    int UsersWithDemand,
    long RejectedTelemetry,
    long Unavailable,
    long Overruns,
    long FailedLoops,
    string? LastFailure,
    IReadOnlyDictionary<string, int> Policies,
    IReadOnlyList<ConstrainedUser> TopConstrained);

/// <summary>
/// Collects what region grains publish after each loop, for the console view, the benchmark and the rate
/// gauges. Regions write their own entry only; readers aggregate on demand (cached briefly).
/// </summary>
public sealed class ControlPlaneMonitor
{
    /// <summary>Loop latencies kept per region for percentiles.</summary>
    public const int LatencyWindow = 2048;

    private readonly ConcurrentDictionary<string, RegionEntry> _regions = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly Lock _cacheGate = new();
    private ControlPlaneView? _cached;
    private long _cachedAt;
    private long _rejected;
    private long _unavailable;
    private long _overruns;
    private long _failed;
    private string? _lastFailure;

    /// <summary>Creates an empty monitor.</summary>
    public ControlPlaneMonitor(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    /// <summary>Loops completed, all regions.</summary>
    public long Loops => _regions.Values.Sum(r => Volatile.Read(ref r.Loops));

    /// <summary>
    /// Records a region's loop: copies the per-user values into the region's entry (no allocation after the
    /// first loop, so that nothing a loop leaves behind outlives it and the GC's young generation stays cheap).
    /// </summary>
    internal void Publish(string regionId, in LoopSummary loop, ReadOnlySpan<UserReport> reports, ReadOnlySpan<double> demands, ReadOnlySpan<AlcorUserState> alcor) =>
        _regions.GetOrAdd(regionId, id => new RegionEntry(id)).Update(loop, reports, demands, alcor);

    internal void TelemetryRejected() => Interlocked.Increment(ref _rejected);

    internal void Unavailable() => Interlocked.Increment(ref _unavailable);

    internal void LoopFailed(string regionId, string reason)
    {
        Interlocked.Increment(ref _failed);
        Volatile.Write(ref _lastFailure, $"{regionId}: {reason}");
    }

    internal void Overruns(long count) => Interlocked.Add(ref _overruns, count);

    /// <summary>Latest snapshot of a region, null when it has not run.</summary>
    public RegionSnapshot? Region(string regionId) => _regions.TryGetValue(regionId, out var entry) ? entry.Snapshot() : null;

    /// <summary>Every loop latency still in the windows (ms).</summary>
    public double[] LoopLatencies()
    {
        var all = new List<double>();
        foreach (var entry in _regions.Values)
        {
            entry.CopyTo(all);
        }

        return [.. all];
    }

    /// <summary>Completed loops this monitor has seen from one region (0 when none).</summary>
    public long RegionLoops(string regionId) => _regions.TryGetValue(regionId, out var entry) ? Volatile.Read(ref entry.Loops) : 0;

    /// <summary>
    /// The latencies of one region's last <paramref name="count"/> completed loops still in its window (ms), oldest
    /// first; empty when it has not run. A sampler that remembers the region's loop count reads what came since.
    /// </summary>
    public double[] RecentLoopLatencies(string regionId, int count)
    {
        var found = new List<double>();
        if (_regions.TryGetValue(regionId, out var entry))
        {
            entry.CopyRecent(found, count);
        }

        return [.. found];
    }

    /// <summary>Forgets latencies recorded so far (a benchmark's warm-up).</summary>
    public void ResetLatencies()
    {
        foreach (var entry in _regions.Values)
        {
            entry.Clear();
        }
    }

    /// <summary>The aggregate view, recomputed at most every 200 ms.</summary>
    public ControlPlaneView Aggregate(int topConstrained = 5)
    {
        lock (_cacheGate)
        {
            var now = _time.GetTimestamp();
            if (_cached is { } cached && _time.GetElapsedTime(_cachedAt, now) < TimeSpan.FromMilliseconds(200) && cached.TopConstrained.Count >= Math.Min(topConstrained, cached.Users))
            {
                return cached;
            }

            _cached = Compute(topConstrained);
            _cachedAt = now;
            return _cached;
        }
    }

    private ControlPlaneView Compute(int topConstrained)
    {
        var rates = new List<double>();
        var policies = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var constrained = new List<ConstrainedUser>();
        long loops = 0;
        int regions = 0, violations = 0, withDemand = 0;
        foreach (var entry in _regions.Values)
        {
            if (entry.Snapshot() is not { } snapshot)
            {
                continue;
            }

            regions++;
            loops += snapshot.Iterations;
            policies[snapshot.Policy] = policies.GetValueOrDefault(snapshot.Policy) + 1;
            for (var u = 0; u < snapshot.RateAverages.Length; u++)
            {
                var rate = snapshot.RateAverages[u];
                var demand = snapshot.Demands[u];
                rates.Add(rate);
                if (demand > 0)
                {
                    withDemand++;
                    if (rate < demand)
                    {
                        violations++;
                    }
                }

                var alcor = snapshot.AlcorLambda.Length > u ? snapshot.AlcorLambda[u] : double.NaN;
                if (snapshot.Mu[u] > 0 || alcor > 0)
                {
                    constrained.Add(new ConstrainedUser(snapshot.UserIds[u], rate, demand, snapshot.Mu[u], snapshot.Slack[u], alcor));
                }
            }
        }

        var latencies = LoopLatencies();
        var top = constrained
            .OrderByDescending(u => Math.Max(u.Mu, double.IsNaN(u.AlcorLambda) ? 0 : u.AlcorLambda))
            .ThenBy(u => u.UserId, StringComparer.Ordinal)
            .Take(topConstrained)
            .ToArray();
        var values = rates.ToArray();
        return new ControlPlaneView(
            regions,
            values.Length,
            loops,
            latencies.Length == 0 ? double.NaN : RateStatistics.Percentile(latencies, 50),
            latencies.Length == 0 ? double.NaN : RateStatistics.Percentile(latencies, 99),
            values.Length == 0 ? double.NaN : values.Average(),
            values.Length == 0 ? double.NaN : RateStatistics.Percentile(values, 5),
            violations,
            withDemand,
            Interlocked.Read(ref _rejected),
            Interlocked.Read(ref _unavailable),
            Interlocked.Read(ref _overruns),
            Interlocked.Read(ref _failed),
            Volatile.Read(ref _lastFailure),
            policies,
            top);
    }

    private sealed class RegionEntry(string regionId)
    {
        private readonly Lock _gate = new();
        private readonly double[] _latencies = new double[LatencyWindow];
        private int _count;
        private int _next;
        private bool _published;
        private string _policy = "";
        private long _iterations;
        private long _slot;
        private LoopOutcome _outcome;
        private double _loopMs;
        private IReadOnlyList<string> _userIds = [];
        private double[] _rates = [];
        private double[] _demands = [];
        private double[] _mu = [];
        private double[] _slack = [];
        private double[] _lambda = [];
        private double[] _kappa = [];
        private bool _alcor;
        public long Loops;

        public void Update(in LoopSummary loop, ReadOnlySpan<UserReport> reports, ReadOnlySpan<double> demands, ReadOnlySpan<AlcorUserState> alcor)
        {
            var (policy, iterations, slot, outcome, loopMs, userIds) = loop;
            lock (_gate)
            {
                var users = reports.Length;
                if (_rates.Length != users)
                {
                    _rates = new double[users];
                    _demands = new double[users];
                    _mu = new double[users];
                    _slack = new double[users];
                    _lambda = new double[users];
                    _kappa = new double[users];
                }

                for (var u = 0; u < users; u++)
                {
                    _rates[u] = reports[u].RateAverage;
                    _mu[u] = reports[u].Mu;
                    _slack[u] = reports[u].Slack;
                    _demands[u] = demands[u];
                }

                _alcor = !alcor.IsEmpty;
                for (var u = 0; u < alcor.Length; u++)
                {
                    _lambda[u] = alcor[u].Lambda;
                    _kappa[u] = alcor[u].Kappa;
                }

                (_policy, _iterations, _slot, _outcome, _loopMs, _userIds, _published) = (policy, iterations, slot, outcome, loopMs, userIds, true);
                if (outcome == LoopOutcome.Completed)
                {
                    _latencies[_next] = loopMs;
                    _next = (_next + 1) % _latencies.Length;
                    _count = Math.Min(_count + 1, _latencies.Length);
                    Loops++;
                }
            }
        }

        public RegionSnapshot? Snapshot()
        {
            lock (_gate)
            {
                return _published
                    ? new RegionSnapshot(regionId, _policy, _iterations, _slot, _outcome, _loopMs, _userIds, [.. _rates], [.. _demands], [.. _mu], [.. _slack], _alcor ? [.. _lambda] : [], _alcor ? [.. _kappa] : [])
                    : null;
            }
        }

        public void CopyTo(List<double> target)
        {
            lock (_gate)
            {
                target.AddRange(_latencies.AsSpan(0, _count));
            }
        }

        public void CopyRecent(List<double> target, int count)
        {
            lock (_gate)
            {
                var take = Math.Clamp(count, 0, _count);
                for (var i = take; i > 0; i--)
                {
                    target.Add(_latencies[(_next - i + _latencies.Length) % _latencies.Length]);
                }
            }
        }

        public void Clear()
        {
            lock (_gate)
            {
                _count = 0;
                _next = 0;
            }
        }
    }
}

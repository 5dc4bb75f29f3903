using System.Runtime.CompilerServices;
using Controller.Grains;
using Controller.Host.Api;
using Controller.Radio.Evaluation;
using Microsoft.AspNetCore.Http;

namespace Controller.Host.Dashboard;

/// <summary>How often the dashboard's stream sends.</summary>
internal sealed record DashboardStreamOptions
{
    /// <summary>Time between two events of one stream.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// Builds the dashboard's events from what the API reads anyway: the monitor the region grains publish to (rates,
/// loop latencies: no grain call), one status call per region, one view call per cell of the region a page shows, one
/// state call for the user it shows, and the latest history samples. A stream takes one such event per
/// <see cref="DashboardStreamOptions.Interval"/> for as long as its page stays open.
/// </summary>
internal sealed class DashboardFeed(ControlTopology topology, IGrainFactory grains, ControlPlaneMonitor monitor, OperatorHistory history, DashboardStreamOptions options, TimeProvider time)
{
    /// <summary>Checks what a stream asks for before it starts: an unknown region or user is a 404 problem, not an empty stream.</summary>
    public (string? Region, string? User) Validate(string? region, string? user)
    {
        if (region is not null && !topology.TryFindRegion(region, out _, out _))
        {
            throw new ControlApi.ApiException(StatusCodes.Status404NotFound, $"Unknown region '{Shorten(region)}'; this controller has regions {topology.Regions[0].RegionId} to {topology.Regions[^1].RegionId}.");
        }

        if (user is not null && !topology.TryFindUser(user, out _, out _))
        {
            throw new ControlApi.ApiException(StatusCodes.Status404NotFound, $"Unknown user '{Shorten(user)}'; user ids look like 'r000/u007'.");
        }

        return (region, user);
    }

    /// <summary>One event now, then one per interval until <paramref name="cancellationToken"/> ends the stream.</summary>
    public async IAsyncEnumerable<DashboardTick> StreamAsync(string? region, string? user, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.Interval, time);
        do
        {
            DashboardTick tick;
            try
            {
                tick = await TickAsync(region, user, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }

            yield return tick;
        }
        while (await Next(timer, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The event of this moment.</summary>
    public async Task<DashboardTick> TickAsync(string? region, string? user, CancellationToken cancellationToken)
    {
        var statuses = await Task.WhenAll(topology.Regions.Select(r => grains.GetGrain<IRegionGrain>(r.RegionId).GetStatusAsync(cancellationToken))).ConfigureAwait(false);
        var rows = new RegionRow[statuses.Length];
        var unavailable = new List<string>();
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = Row(topology.Regions[i], statuses[i]);
            if (statuses[i].LastOutcome == LoopOutcome.RanUnavailable)
            {
                unavailable.Add(statuses[i].RegionId);
            }
        }

        var overview = ControlApi.OverviewOf(monitor);
        var state = unavailable.Count > 0 ? "unavailable"
            : statuses.All(s => s.LastOutcome == LoopOutcome.None) ? "waiting"
            : "answering";
        return new DashboardTick(
            time.GetUtcNow(),
            overview,
            new RanState(state, unavailable, overview.Unavailable),
            rows,
            region is null ? null : await RegionAsync(region, cancellationToken).ConfigureAwait(false),
            user is null ? null : await UserAsync(user, cancellationToken).ConfigureAwait(false));
    }

    private RegionRow Row(Controller.Ran.Contract.RegionTopology region, RegionStatus status)
    {
        var latencies = monitor.RecentLoopLatencies(region.RegionId, ControlPlaneMonitor.LatencyWindow);
        var snapshot = monitor.Region(region.RegionId);
        var rates = snapshot?.RateAverages ?? [];
        var violations = 0;
        for (var u = 0; u < rates.Length; u++)
        {
            violations += snapshot!.Demands[u] > 0 && rates[u] < snapshot.Demands[u] ? 1 : 0;
        }

        return new RegionRow(
            region.RegionId,
            region.Scenario,
            region.CellIds.Count,
            region.UserIds.Count,
            status.Policy,
            status.PendingPolicy,
            status.Running,
            status.PeriodMs,
            status.LastOutcome,
            status.LastReason,
            status.LastSlot,
            latencies.Length == 0 ? null : OperatorHistory.Finite(RateStatistics.Percentile(latencies, 50)),
            latencies.Length == 0 ? null : OperatorHistory.Finite(RateStatistics.Percentile(latencies, 99)),
            status.Overruns,
            new LoopOutcomes(status.Iterations, status.RejectedTelemetry, status.Unavailable, status.RejectedDecisions, status.HeldDecisions, status.FailedLoops),
            rates.Length == 0 ? null : OperatorHistory.Finite(rates.Average()),
            rates.Length == 0 ? null : OperatorHistory.Finite(RateStatistics.Percentile(rates, 5)),
            violations,
            status.Isac);
    }

    private async Task<RegionDetail> RegionAsync(string regionId, CancellationToken cancellationToken)
    {
        topology.TryFindRegion(regionId, out var region, out _);
        var views = await Task.WhenAll(region.CellIds.Select(id => grains.GetGrain<ICellGrain>(id).GetViewAsync(cancellationToken))).ConfigureAwait(false);
        var snapshot = monitor.Region(regionId);
        var points = history.Region(regionId);
        return new RegionDetail(
            regionId,
            region.MaxPower,
            region.PowerUnit,
            region.UserIds,
            snapshot is null ? [] : [.. snapshot.RateAverages.Select(OperatorHistory.Finite)],
            snapshot is null ? [] : [.. snapshot.Demands.Select(OperatorHistory.Finite)],
            [.. views.Select(v => new CellRow(v.CellId, v.Users.Count, v.LastDecision?.Slot, v.LastDecision is { } d ? OperatorHistory.Finite(d.Power) : null, v.LastDecision?.ServedUser, v.LastDecision?.Policy, v.Decisions))],
            points.Count == 0 ? null : points[^1]);
    }

    private async Task<UserDetail> UserAsync(string userId, CancellationToken cancellationToken)
    {
        topology.TryFindUser(userId, out var region, out var index);
        var state = await grains.GetGrain<IUserGrain>(userId).GetStateAsync(cancellationToken).ConfigureAwait(false);
        var points = history.User(userId);
        return new UserDetail(userId, region.CellIds[region.ServingCell[index]], state, points.Count == 0 ? null : points[^1]);
    }

    private static async Task<bool> Next(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "...";
}

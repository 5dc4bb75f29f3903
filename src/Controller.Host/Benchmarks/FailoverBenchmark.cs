using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Controller.Host.Hosting;
using Controller.Ran.Http;

namespace Controller.Host.Benchmarks;

/// <summary>Settings of <c>controller bench failover</c>.</summary>
/// <param name="Cluster">The cluster each run starts (fresh per run).</param>
/// <param name="Runs">Runs; the report gives each and their medians.</param>
/// <param name="WarmupSeconds">Seconds every region runs before the settings are made and the kill.</param>
/// <param name="RebalanceSeconds">Seconds watched after the killed silo is restarted; 0: no restart.</param>
internal sealed record FailoverSettings(LocalClusterOptions Cluster, int Runs, int WarmupSeconds, int RebalanceSeconds)
{
    /// <summary>How long the regions get to come back before a run reports them as not resumed.</summary>
    public TimeSpan ResumeTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Watched after the last region resumed, for late overlaps.</summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(3);
}

/// <summary>One region across a kill, from the RAN's control log.</summary>
/// <param name="RegionId">The region.</param>
/// <param name="ControllerBefore">Controller of its last accepted decision before the kill.</param>
/// <param name="ControllerAfter">Controller of its first accepted decision after it (from a live controller).</param>
/// <param name="Affected">Whether the killed silo controlled it.</param>
/// <param name="ResumedAfterSeconds">From the kill to that decision; null when none came.</param>
/// <param name="LongestGapSeconds">Longest time between consecutive accepted decisions, from the last one before the kill on.</param>
/// <param name="LoopsLost">Sum over those gaps of round(gap / period) - 1: decisions the RAN expected and did not get.</param>
/// <param name="Overlaps">Accepted decisions after the kill that the log counted as overlaps.</param>
/// <param name="DecisionsAfterKill">Accepted decisions after the kill, by any controller.</param>
internal sealed record RegionFailover(string RegionId, string? ControllerBefore, string? ControllerAfter, bool Affected, double? ResumedAfterSeconds, double LongestGapSeconds, long LoopsLost, long Overlaps, int DecisionsAfterKill);

/// <summary>An operator setting made before the kill and read back after it through a survivor's API.</summary>
/// <param name="Kind">"policy" or "demand".</param>
/// <param name="Target">Region or user id.</param>
/// <param name="Set">The value set.</param>
/// <param name="ReadBack">The value read back (null when it could not be read).</param>
internal sealed record SettingCheck(string Kind, string Target, string Set, string? ReadBack)
{
    /// <summary>True when the value read back is not the one set.</summary>
    public bool Lost => !string.Equals(Set, ReadBack, StringComparison.Ordinal);
}

/// <summary>Regions per controller (by the last accepted decision) at three moments of a run.</summary>
/// <param name="BeforeKill">Before the kill.</param>
/// <param name="AfterFailover">Once every region resumed.</param>
/// <param name="AfterRestart">After the killed silo's restart and the watch; null without a restart.</param>
/// <param name="Rebalanced">
/// Whether the restarted silo (its new pid) controls a region again; null without a restart or when the silos do not
/// name themselves in their pushes.
/// </param>
internal sealed record RebalanceReport(
    IReadOnlyDictionary<string, int> BeforeKill,
    IReadOnlyDictionary<string, int> AfterFailover,
    IReadOnlyDictionary<string, int>? AfterRestart,
    bool? Rebalanced);

/// <summary>One kill and what followed.</summary>
internal sealed record FailoverRun(
    int Run,
    string Victim,
    string? VictimController,
    int VictimRegions,
    DateTimeOffset KilledAtUtc,
    IReadOnlyList<RegionFailover> Regions,
    IReadOnlyList<SettingCheck> Settings,
    long OverlapsTotal,
    RebalanceReport Rebalance)
{
    /// <summary>From the kill until every region had a decision accepted again; null when one never did.</summary>
    public double? RecoverySeconds => Regions.Any(r => r.ResumedAfterSeconds is null) ? null : Regions.Max(r => r.ResumedAfterSeconds);

    /// <summary>The longest gap of any region.</summary>
    public double LongestGapSeconds => Regions.Count == 0 ? 0 : Regions.Max(r => r.LongestGapSeconds);

    /// <summary>Loops lost over all regions.</summary>
    public long LoopsLost => Regions.Sum(r => r.LoopsLost);

    /// <summary>Overlaps after the kill over all regions.</summary>
    public long Overlaps => Regions.Sum(r => r.Overlaps);

    /// <summary>Settings whose value did not survive.</summary>
    public int SettingsLost => Settings.Count(s => s.Lost);
}

/// <summary>The pure part of the benchmark: a kill's effect on each region, from the RAN's control log.</summary>
internal static class FailoverAnalysis
{
    /// <summary>
    /// Each region of <paramref name="log"/> (read with <c>since</c> before <paramref name="killedAt"/>) across the kill
    /// of <paramref name="victim"/> (its controller id; null when the silos do not name themselves, and then any decision
    /// after the kill counts as the region's resumption).
    /// </summary>
    public static IReadOnlyList<RegionFailover> Analyze(ControlLogSnapshot log, DateTimeOffset killedAt, string? victim, int periodMs)
    {
        ArgumentNullException.ThrowIfNull(log);
        var period = TimeSpan.FromMilliseconds(periodMs);
        var regions = new List<RegionFailover>(log.Regions.Count);
        foreach (var region in log.Regions)
        {
            var decisions = region.Recent ?? [];
            var before = decisions.LastOrDefault(d => d.AtUtc <= killedAt);
            var after = decisions.Where(d => d.AtUtc > killedAt).ToList();
            var resumed = after.FirstOrDefault(d => victim is null || !string.Equals(d.ControllerId, victim, StringComparison.Ordinal));
            // The gaps from the last decision before the kill on; a region that has not resumed is still in its gap.
            var times = (before is null ? [] : new[] { before.AtUtc }).Concat(after.Select(d => d.AtUtc)).ToList();
            if (resumed is null)
            {
                times.Add(log.Now);
            }

            var longest = TimeSpan.Zero;
            long lost = 0;
            for (var i = 1; i < times.Count; i++)
            {
                var gap = times[i] - times[i - 1];
                longest = gap > longest ? gap : longest;
                lost += Math.Max(0, (long)Math.Round(gap / period) - 1);
            }

            regions.Add(new RegionFailover(
                region.RegionId,
                before?.ControllerId,
                resumed?.ControllerId,
                victim is not null && string.Equals(before?.ControllerId, victim, StringComparison.Ordinal),
                resumed is null ? null : (resumed.AtUtc - killedAt).TotalSeconds,
                longest.TotalSeconds,
                lost,
                after.Count(d => d.Overlap),
                after.Count));
        }

        return regions;
    }

    /// <summary>Regions per controller by each region's last accepted decision.</summary>
    public static IReadOnlyDictionary<string, int> RegionsPerController(ControlLogSnapshot log) =>
        log.Regions.Where(r => r.LastControllerId is not null)
            .GroupBy(r => r.LastControllerId!, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    /// <summary>The median of <paramref name="values"/> (the mean of the middle two for an even count); null when empty.</summary>
    public static double? Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? null : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}

/// <summary>
/// <c>controller bench failover</c>: per run, a fresh <see cref="LocalCluster"/> at the default load; after a warm-up an
/// operator switches one region's policy and sets one user's demand through the API; the control silo that controls
/// the most regions (by the RAN's control log) is SIGKILLed; the RAN's control log then tells how long each region went
/// without an accepted decision and when it resumed, a survivor's API whether the settings survived; finally the killed
/// silo is restarted and the regions per controller are counted again.
/// </summary>
internal static class FailoverBenchmark
{
    /// <summary>The demand the operator sets (bps/Hz).</summary>
    private const double OperatorDemand = 2.5;

    public static async Task<IReadOnlyList<FailoverRun>> RunAsync(FailoverSettings settings, TextWriter progress, CancellationToken cancellationToken)
    {
        var runs = new List<FailoverRun>();
        for (var run = 1; run <= settings.Runs; run++)
        {
            progress.WriteLine($"failover: run {run} of {settings.Runs}");
            var cluster = await LocalCluster.StartAsync(settings.Cluster with { Progress = progress }, cancellationToken).ConfigureAwait(false);
            await using (cluster.ConfigureAwait(false))
            {
                await cluster.WaitReadyAsync(Cli.ClusterCommand.ReadyTimeout, cancellationToken).ConfigureAwait(false);
                runs.Add(await RunOnceAsync(run, cluster, settings, progress, cancellationToken).ConfigureAwait(false));
            }
        }

        return runs;
    }

    private static async Task<FailoverRun> RunOnceAsync(int run, LocalCluster cluster, FailoverSettings settings, TextWriter progress, CancellationToken cancellationToken)
    {
        var period = cluster.Options.PeriodMs;
        var ranTopology = await cluster.Ran.GetTopologyAsync(cancellationToken).ConfigureAwait(false);
        await WaitAsync(cluster, "every region's first accepted decision", log => log.Regions.All(r => r.DecisionsAccepted > 0), TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        progress.WriteLine($"failover: every region runs; warm-up {settings.WarmupSeconds} s");
        await Task.Delay(TimeSpan.FromSeconds(settings.WarmupSeconds), cancellationToken).ConfigureAwait(false);

        var beforeKill = await cluster.Ran.GetControlLogAsync(null, cancellationToken).ConfigureAwait(false);
        var perController = FailoverAnalysis.RegionsPerController(beforeKill);
        // The control silo with the most regions; when the silos do not name themselves in their pushes, the last one.
        var victim = perController
            .Select(p => (Silo: cluster.SiloOf(p.Key), Regions: p.Value))
            .Where(p => p.Silo is { Role: "control" })
            .OrderByDescending(p => p.Regions)
            .Select(p => p.Silo)
            .FirstOrDefault() ?? cluster.ControlSilos.Last();
        var victimId = beforeKill.Regions.Select(r => r.LastControllerId).FirstOrDefault(victim.IsController);
        var target = beforeKill.Regions.FirstOrDefault(r => victim.IsController(r.LastControllerId))?.RegionId ?? beforeKill.Regions[0].RegionId;
        var user = ranTopology.Regions.First(r => r.RegionId == target).UserIds[0];
        var survivor = cluster.ControlSilos.First(s => s != victim);
        using var api = cluster.CreateApiClient(survivor);
        var policy = await SetPolicyAsync(api, target, cancellationToken).ConfigureAwait(false);
        await SetDemandAsync(api, user, OperatorDemand, cancellationToken).ConfigureAwait(false);
        // Both must be in force before the kill, or a loss would be the benchmark's, not the cluster's.
        await WaitForSettingsAsync(api, target, policy, user, cancellationToken).ConfigureAwait(false);
        progress.WriteLine($"failover: {target} switched to {policy}, {user} demand {OperatorDemand}; killing {victim.Name} ({perController.GetValueOrDefault(victimId ?? string.Empty)} regions)");

        var killedAt = await cluster.KillAsync(victim, cancellationToken).ConfigureAwait(false);
        var since = killedAt - TimeSpan.FromSeconds(5);
        var deadline = DateTime.UtcNow + settings.ResumeTimeout;
        ControlLogSnapshot log;
        while (true)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
            log = await cluster.Ran.GetControlLogAsync(since, cancellationToken).ConfigureAwait(false);
            var regions = FailoverAnalysis.Analyze(log, killedAt, victimId, period);
            if (regions.All(r => r.ResumedAfterSeconds is not null) || DateTime.UtcNow > deadline)
            {
                break;
            }
        }

        await Task.Delay(settings.Settle, cancellationToken).ConfigureAwait(false);
        log = await cluster.Ran.GetControlLogAsync(since, cancellationToken).ConfigureAwait(false);
        var analysis = FailoverAnalysis.Analyze(log, killedAt, victimId, period);
        var resumed = analysis.Where(r => r.ResumedAfterSeconds is not null).ToList();
        progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"failover: {resumed.Count} of {analysis.Count} regions resumed{(resumed.Count > 0 ? $", the last {resumed.Max(r => r.ResumedAfterSeconds):F2} s after the kill" : "")}"));

        var checks = new List<SettingCheck>
        {
            new("policy", target, policy, await ReadAsync(api, $"api/regions/{target}", r => r.GetProperty("pendingPolicy").GetString() ?? r.GetProperty("policy").GetString(), cancellationToken).ConfigureAwait(false)),
            new("demand", user, Text(OperatorDemand), await ReadAsync(api, $"api/users/{user}", u => Text(u.GetProperty("demand").GetDouble()), cancellationToken).ConfigureAwait(false)),
        };

        IReadOnlyDictionary<string, int>? afterRestart = null;
        bool? rebalanced = null;
        var afterFailover = FailoverAnalysis.RegionsPerController(log);
        if (settings.RebalanceSeconds > 0)
        {
            await cluster.RestartAsync(victim, Cli.ClusterCommand.ReadyTimeout, cancellationToken).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromSeconds(settings.RebalanceSeconds), cancellationToken).ConfigureAwait(false);
            log = await cluster.Ran.GetControlLogAsync(null, cancellationToken).ConfigureAwait(false);
            afterRestart = FailoverAnalysis.RegionsPerController(log);
            // victim.IsController matches the restarted process (its new pid) only.
            rebalanced = victimId is null ? null : afterRestart.Keys.Any(victim.IsController);
        }

        return new FailoverRun(
            run,
            victim.Name,
            victimId,
            victimId is null ? 0 : perController.GetValueOrDefault(victimId),
            killedAt,
            analysis,
            checks,
            log.Regions.Sum(r => r.Overlaps),
            new RebalanceReport(perController, afterFailover, afterRestart, rebalanced));
    }

    private static async Task<string> SetPolicyAsync(HttpClient api, string region, CancellationToken cancellationToken)
    {
        var current = await ReadAsync(api, $"api/regions/{region}", r => r.GetProperty("policy").GetString(), cancellationToken).ConfigureAwait(false);
        var policy = current == "wmmse" ? "itlinq" : "wmmse";
        using var answer = await api.PutAsJsonAsync($"api/regions/{region}/policy", new { policy }, cancellationToken).ConfigureAwait(false);
        await EnsureAsync(answer, $"PUT /api/regions/{region}/policy", cancellationToken).ConfigureAwait(false);
        return policy;
    }

    private static async Task SetDemandAsync(HttpClient api, string user, double demand, CancellationToken cancellationToken)
    {
        using var answer = await api.PutAsJsonAsync($"api/users/{user}/demand", new { demand }, cancellationToken).ConfigureAwait(false);
        await EnsureAsync(answer, $"PUT /api/users/{user}/demand", cancellationToken).ConfigureAwait(false);
    }

    private static async Task WaitForSettingsAsync(HttpClient api, string region, string policy, string user, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var inForce = await ReadAsync(api, $"api/regions/{region}", r => r.GetProperty("policy").GetString(), cancellationToken).ConfigureAwait(false);
            var demand = await ReadAsync(api, $"api/users/{user}", u => Text(u.GetProperty("demand").GetDouble()), cancellationToken).ConfigureAwait(false);
            if (inForce == policy && demand == Text(OperatorDemand))
            {
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
        }

        throw new InvalidOperationException($"the settings made through the API were not in force within 30 s ({region} policy {policy}, {user} demand {OperatorDemand}).");
    }

    /// <summary>One value of a JSON answer, retried for a few seconds while the cluster answers errors; null when it never answers.</summary>
    private static async Task<string?> ReadAsync(HttpClient api, string path, Func<JsonElement, string?> pick, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            try
            {
                using var answer = await api.GetAsync(path, cancellationToken).ConfigureAwait(false);
                if (answer.IsSuccessStatusCode)
                {
                    using var document = JsonDocument.Parse(await answer.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
                    return pick(document.RootElement);
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // A silo busy with the failover: ask again.
            }

            if (DateTime.UtcNow > deadline)
            {
                return null;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task EnsureAsync(HttpResponseMessage answer, string what, CancellationToken cancellationToken)
    {
        if (!answer.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{what} answered {(int)answer.StatusCode}: {await answer.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}");
        }
    }

    private static async Task WaitAsync(LocalCluster cluster, string what, Func<ControlLogSnapshot, bool> done, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!done(await cluster.Ran.GetControlLogAsync(null, cancellationToken).ConfigureAwait(false)))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no {what} within {timeout.TotalSeconds:F0} s.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
        }
    }

    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}

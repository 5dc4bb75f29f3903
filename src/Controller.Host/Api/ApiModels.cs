using System.Text.Json.Serialization;

namespace Controller.Host.Api;

/// <summary>Body of <c>PUT /api/users/{id}/demand</c>.</summary>
public sealed record DemandBody
{
    /// <summary>The operator's minimum rate for the user, bps/Hz, a finite number in [0, 40].</summary>
    [JsonRequired]
    public double Demand { get; init; }
}

/// <summary>Body of <c>PUT /api/regions/{id}/policy</c>.</summary>
public sealed record PolicyBody
{
    /// <summary>A policy name as <c>GET /api/policies</c> lists them, e.g. <c>wmmse</c>, <c>alcor(itlinq)</c>, <c>gnn:NAME</c>.</summary>
    [JsonRequired]
    public string? Policy { get; init; }
}

/// <summary>Body of <c>PUT /api/regions/{id}/isac</c>.</summary>
public sealed record IsacBody
{
    /// <summary>The ISAC trade-off, a finite number in [0, 1]: 0 = sensing only (lowest CRLB), 1 = communication only (highest WSR).</summary>
    [JsonRequired]
    public double CommunicationWeight { get; init; }
}

/// <summary>One page of a list.</summary>
/// <typeparam name="T">The item type.</typeparam>
/// <param name="Items">This page's items.</param>
/// <param name="Total">Items in the whole list.</param>
/// <param name="Offset">Index of the first item of this page.</param>
/// <param name="Limit">Largest page asked for.</param>
/// <param name="Next">Path and query of the next page, null on the last.</param>
public sealed record Page<T>(IReadOnlyList<T> Items, int Total, int Offset, int Limit, string? Next);

/// <summary>A user in a list: where it is and, once its region has run a loop, its rate and duals.</summary>
/// <param name="UserId">The user ("r000/u007").</param>
/// <param name="Region">Its region.</param>
/// <param name="Index">Its index in the region's telemetry.</param>
/// <param name="ServingCell">Its associated cell.</param>
/// <param name="RateAverage">Exponential average of its rate, bps/Hz (null before its region's first loop).</param>
/// <param name="Demand">Demand in force, bps/Hz.</param>
/// <param name="Mu">Resilient mu.</param>
/// <param name="Slack">Resilient slack z.</param>
public sealed record UserSummary(string UserId, string Region, int Index, string ServingCell, double? RateAverage, double? Demand, double? Mu, double? Slack);

/// <summary>A cell in a list: its region and users.</summary>
/// <param name="CellId">The cell ("r000/c01").</param>
/// <param name="Region">Its region.</param>
/// <param name="Index">Its index in the region's telemetry.</param>
/// <param name="Users">The users associated with it.</param>
public sealed record CellSummary(string CellId, string Region, int Index, IReadOnlyList<string> Users);

/// <summary>A policy a region can be switched to.</summary>
/// <param name="Name">The name to PUT (a template when it holds &lt;...&gt;: fill it in).</param>
/// <param name="Kind">"baseline", "isac" (beamforming for regions of the isac scenario), "wrapper" (takes another policy inside), "learned" (bundled artifact) or "registry" (imported with <c>controller policy import</c>).</param>
/// <param name="Description">What it does.</param>
/// <param name="Template">True when <see cref="Name"/> has a placeholder to fill in.</param>
/// <param name="Version">Registry version (registry policies only).</param>
/// <param name="ImportedUtc">When it was imported (registry policies only).</param>
public sealed record PolicyInfo(string Name, string Kind, string Description, bool Template, string? Version, DateTimeOffset? ImportedUtc);

/// <summary>The control plane at a glance (this silo's regions).</summary>
/// <param name="Regions">Regions that ran a loop.</param>
/// <param name="Users">Users in them.</param>
/// <param name="Loops">Loops completed since this process started.</param>
/// <param name="LoopP50Ms">Median loop latency over the recent window, ms (null before any loop).</param>
/// <param name="LoopP99Ms">99th percentile loop latency over the recent window, ms.</param>
/// <param name="MeanRate">Mean of users' rate averages, bps/Hz.</param>
/// <param name="FifthPercentileRate">5th percentile of users' rate averages, bps/Hz.</param>
/// <param name="Violations">Users whose rate average is below their positive demand.</param>
/// <param name="UsersWithDemand">Users with a positive demand.</param>
/// <param name="RejectedTelemetry">Telemetry samples rejected.</param>
/// <param name="Unavailable">Loops that found the RAN unreachable.</param>
/// <param name="Overruns">Loop ticks skipped because the previous loop still ran.</param>
/// <param name="FailedLoops">Loops that failed.</param>
/// <param name="LastFailure">Region and reason of the latest failed loop.</param>
/// <param name="Policies">Regions per policy.</param>
public sealed record Overview(
    int Regions,
    int Users,
    long Loops,
    double? LoopP50Ms,
    double? LoopP99Ms,
    double? MeanRate,
    double? FifthPercentileRate,
    int Violations,
    int UsersWithDemand,
    long RejectedTelemetry,
    long Unavailable,
    long Overruns,
    long FailedLoops,
    string? LastFailure,
    IReadOnlyDictionary<string, int> Policies);

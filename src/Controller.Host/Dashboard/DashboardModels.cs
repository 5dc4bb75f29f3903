using Controller.Grains;
using Controller.Host.Api;

namespace Controller.Host.Dashboard;

/// <summary>One event of the dashboard's stream (<c>GET /api/dashboard/events</c>): the whole control plane, and the region or user the page shows.</summary>
/// <param name="Time">When it was taken (the silo's clock).</param>
/// <param name="Overview">The control plane at a glance, as <c>GET /api/overview</c> answers.</param>
/// <param name="Ran">The RAN as the loops last found it.</param>
/// <param name="Regions">Every region's row.</param>
/// <param name="Region">The region asked for with <c>?region=</c>, null otherwise.</param>
/// <param name="User">The user asked for with <c>?user=</c>, null otherwise.</param>
public sealed record DashboardTick(DateTimeOffset Time, Overview Overview, RanState Ran, IReadOnlyList<RegionRow> Regions, RegionDetail? Region, UserDetail? User);

/// <summary>The RAN as the regions' last loops found it.</summary>
/// <param name="State">"answering" (every region's last loop reached it), "unavailable" (some region's last loop did not), "waiting" (no loop yet).</param>
/// <param name="UnavailableRegions">Regions whose last loop found the RAN unreachable.</param>
/// <param name="UnavailableLoops">Loops that found it unreachable since this silo started.</param>
public sealed record RanState(string State, IReadOnlyList<string> UnavailableRegions, long UnavailableLoops);

/// <summary>How many of a region's loops ended which way (across restarts, except overruns: since its activation).</summary>
/// <param name="Completed">Pulled, decided, pushed and learned.</param>
/// <param name="TelemetryRejected">Telemetry rejected; the last good decision kept.</param>
/// <param name="RanUnavailable">The RAN did not answer.</param>
/// <param name="DecisionRejected">The RAN refused the decision.</param>
/// <param name="Held">Loops that re-applied the last good decision.</param>
/// <param name="Failed">Loops that failed (a policy that could not be built or threw).</param>
public sealed record LoopOutcomes(long Completed, long TelemetryRejected, long RanUnavailable, long DecisionRejected, long Held, long Failed);

/// <summary>A region on the overview.</summary>
/// <param name="RegionId">The region.</param>
/// <param name="Scenario">Scenario it was drawn from.</param>
/// <param name="Cells">Its cells.</param>
/// <param name="Users">Its users.</param>
/// <param name="Policy">Policy in force.</param>
/// <param name="PendingPolicy">Policy taking effect on the next loop, null when none.</param>
/// <param name="Running">True while its loop timer runs.</param>
/// <param name="PeriodMs">Loop period.</param>
/// <param name="LastOutcome">How its last loop ended.</param>
/// <param name="LastReason">Why its last loop did not complete (empty when it did).</param>
/// <param name="LastSlot">RAN slot of its last applied decision.</param>
/// <param name="LoopP50Ms">Median latency of its recent loops (up to the last 2,048), null before any.</param>
/// <param name="LoopP99Ms">99th percentile latency of its recent loops.</param>
/// <param name="Overruns">Ticks skipped because a loop still ran (since its activation).</param>
/// <param name="Outcomes">Its loops by outcome.</param>
/// <param name="MeanRate">Mean of its users' rate averages, bps/Hz.</param>
/// <param name="FifthPercentileRate">5th percentile of its users' rate averages, bps/Hz.</param>
/// <param name="Violations">Users whose rate average is below their positive demand.</param>
/// <param name="Isac">An ISAC region's trade-off and its last CRLB and WSRs (the region's status); null for other regions.</param>
public sealed record RegionRow(
    string RegionId,
    string Scenario,
    int Cells,
    int Users,
    string Policy,
    string? PendingPolicy,
    bool Running,
    int PeriodMs,
    LoopOutcome LastOutcome,
    string LastReason,
    long LastSlot,
    double? LoopP50Ms,
    double? LoopP99Ms,
    long Overruns,
    LoopOutcomes Outcomes,
    double? MeanRate,
    double? FifthPercentileRate,
    int Violations,
    IsacView? Isac);

/// <summary>A cell and its last decision.</summary>
/// <param name="CellId">The cell.</param>
/// <param name="Users">Users associated with it.</param>
/// <param name="Slot">RAN slot of its last decision (null before the first).</param>
/// <param name="Power">Transmit power of its last decision (0 = off).</param>
/// <param name="ServedUser">User it served, null when none.</param>
/// <param name="Policy">Policy that decided it.</param>
/// <param name="Decisions">Decisions applied so far.</param>
public sealed record CellRow(string CellId, int Users, long? Slot, double? Power, string? ServedUser, string? Policy, long Decisions);

/// <summary>The region a page shows: its users' rates and demands, its cells' last decisions, its latest history sample.</summary>
/// <param name="RegionId">The region.</param>
/// <param name="MaxPower">Largest power of one cell.</param>
/// <param name="PowerUnit">"mW" or "" (normalized).</param>
/// <param name="UserIds">Users, in telemetry order.</param>
/// <param name="RateAverages">Their rate averages, bps/Hz (null entries where not finite; empty before the first loop).</param>
/// <param name="Demands">Their demands in force, bps/Hz.</param>
/// <param name="Cells">Its cells.</param>
/// <param name="Latest">Its latest history sample (a point of <c>GET /api/regions/{id}/history</c>), null before the first.</param>
public sealed record RegionDetail(string RegionId, double MaxPower, string PowerUnit, IReadOnlyList<string> UserIds, IReadOnlyList<double?> RateAverages, IReadOnlyList<double?> Demands, IReadOnlyList<CellRow> Cells, RegionHistoryPoint? Latest);

/// <summary>The user a page shows.</summary>
/// <param name="UserId">The user.</param>
/// <param name="ServingCell">Its associated cell.</param>
/// <param name="State">The user grain's whole state, as <c>GET /api/users/{id}</c> answers.</param>
/// <param name="Latest">Its latest history sample, null before the first.</param>
public sealed record UserDetail(string UserId, string ServingCell, UserState State, UserHistoryPoint? Latest);

/// <summary>A region's layout (<c>GET /api/regions/{id}/geometry</c>).</summary>
/// <param name="RegionId">The region.</param>
/// <param name="HasGeometry">False where the scenario has no positions (then both lists are empty).</param>
/// <param name="Cells">Cells and where they are.</param>
/// <param name="Users">Users and where they were when the region was drawn, with their cells.</param>
public sealed record RegionGeometry(string RegionId, bool HasGeometry, IReadOnlyList<PlacedCell> Cells, IReadOnlyList<PlacedUser> Users);

/// <summary>A cell on the map.</summary>
/// <param name="CellId">The cell.</param>
/// <param name="X">Abscissa (the scenario's length unit).</param>
/// <param name="Y">Ordinate.</param>
public sealed record PlacedCell(string CellId, double X, double Y);

/// <summary>A user on the map.</summary>
/// <param name="UserId">The user.</param>
/// <param name="ServingCell">Its associated cell.</param>
/// <param name="X">Abscissa (the scenario's length unit).</param>
/// <param name="Y">Ordinate.</param>
public sealed record PlacedUser(string UserId, string ServingCell, double X, double Y);

using Controller.Optimization.Alcor;
using Controller.Optimization.Dbinum;
using Controller.Optimization.Resilient;

namespace Controller.Grains;

/// <summary>What a region tells one of its users after a loop: the rate the RAN reports and the demand in force.</summary>
/// <param name="Slot">RAN slot the rate was achieved in.</param>
/// <param name="Rate">Achieved rate (bps/Hz; 0 when not served).</param>
/// <param name="Demand">Effective demand (operator override, else the RAN's), bps/Hz.</param>
/// <param name="Alcor">The user's ALCOR state after this slot when the region runs an ALCOR policy; null otherwise (the stored state is kept).</param>
[GenerateSerializer]
[Immutable]
[Alias("user-observation")]
public readonly record struct UserObservation(long Slot, double Rate, double Demand, AlcorUserState? Alcor);

/// <summary>A user's state after an observation, as the region needs it for its view and metrics.</summary>
/// <param name="RateAverage">Exponential average of the achieved rate (the PF average fbar).</param>
/// <param name="Lambda">Resilient lambda.</param>
/// <param name="Mu">Resilient mu (positive while the user's minimum rate binds).</param>
/// <param name="Slack">Resilient slack z.</param>
[GenerateSerializer]
[Immutable]
[Alias("user-report")]
public readonly record struct UserReport(double RateAverage, double Lambda, double Mu, double Slack);

/// <summary>Everything a user grain holds (the persisted state and the API's view of a user).</summary>
[GenerateSerializer]
[Alias("user-state")]
public sealed class UserState
{
    /// <summary>Region the user belongs to.</summary>
    [Id(0)]
    public string Region { get; set; } = "";

    /// <summary>Index of the user in its region's telemetry.</summary>
    [Id(1)]
    public int Index { get; set; } = -1;

    /// <summary>Effective demand of the last observation (bps/Hz).</summary>
    [Id(2)]
    public double Demand { get; set; }

    /// <summary>Exponential average of the achieved rate.</summary>
    [Id(3)]
    public double RateAverage { get; set; }

    /// <summary>Rate achieved in the last observed slot.</summary>
    [Id(4)]
    public double LastRate { get; set; }

    /// <summary>Slot of the last observation (-1 before the first).</summary>
    [Id(5)]
    public long LastSlot { get; set; } = -1;

    /// <summary>Observations folded in so far (across restarts).</summary>
    [Id(6)]
    public long Observations { get; set; }

    /// <summary>Paper 003's lambda, mu, z and x.</summary>
    [Id(7)]
    public ResilientDualState Resilient { get; set; }

    /// <summary>Paper 001's per-user ALCOR state (kappa = 0: never ran ALCOR).</summary>
    [Id(8)]
    public AlcorUserState Alcor { get; set; }

    /// <summary>Paper 000's per-user DBiNUM state, when the user takes part in a DBiNUM run.</summary>
    [Id(9)]
    public DbinumUserView? Dbinum { get; set; }
}

/// <summary>
/// A DBiNUM user's variables (paper 000): surrogate parameter alpha, rate x and auxiliary v, with what the
/// user grain needs to go on after a restart (settings, route, position in its stream of directions).
/// </summary>
/// <param name="Alpha">Surrogate utility parameter alpha.</param>
/// <param name="Rate">Rate x.</param>
/// <param name="Auxiliary">Lower-level auxiliary variable v.</param>
/// <param name="Iteration">Upper-level iterations done.</param>
[GenerateSerializer]
[Immutable]
[Alias("dbinum-user-view")]
public sealed record DbinumUserView(double Alpha, double Rate, double Auxiliary, int Iteration)
{
    /// <summary>Step sizes, regularizer and bounds of A.</summary>
    [Id(4)]
    public DbinumOptions Options { get; init; } = new();

    /// <summary>Cells (paper 000's links) on the user's route, in the order their signals are summed.</summary>
    [Id(5)]
    public IReadOnlyList<string> Route { get; init; } = [];

    /// <summary>How the user reports its true utility.</summary>
    [Id(6)]
    public DbinumFeedbackKind Feedback { get; init; }

    /// <summary>Smoothing radius delta of the two-point estimator (value feedback; 0 for gradient feedback).</summary>
    [Id(7)]
    public double Smoothing { get; init; }

    /// <summary>Run seed of the two-point directions.</summary>
    [Id(8)]
    public ulong Seed { get; init; }

    /// <summary>The user's stream of that seed (its index in the run, as in <see cref="DbinumSolver.DirectionStream"/>).</summary>
    [Id(9)]
    public int Stream { get; init; }

    /// <summary>Directions drawn so far; a reactivated grain draws as many again to continue its stream where it was.</summary>
    [Id(10)]
    public long Directions { get; init; }

    /// <summary>Direction u of a probe whose feedback has not come yet; null when none is pending.</summary>
    [Id(11)]
    public double? PendingDirection { get; init; }

    /// <summary>Lower-level steps taken.</summary>
    [Id(12)]
    public long PrimalSteps { get; init; }
}

/// <summary>One cell's part of a loop's decision.</summary>
/// <param name="Slot">RAN slot the decision was applied to.</param>
/// <param name="Power">Transmit power (0 = off).</param>
/// <param name="ServedUser">Id of the user served, null when none.</param>
/// <param name="Policy">Policy that decided it.</param>
[GenerateSerializer]
[Immutable]
[Alias("cell-decision")]
public readonly record struct CellDecision(long Slot, double Power, string? ServedUser, string Policy);

/// <summary>A cell's view: its users, neighbours and last decision.</summary>
/// <param name="CellId">The cell.</param>
/// <param name="Region">Its region.</param>
/// <param name="Users">Users associated with it.</param>
/// <param name="Neighbours">Cells it interferes with (the other cells of its region).</param>
/// <param name="LastDecision">Last decision applied, null before the first.</param>
/// <param name="Decisions">Decisions applied so far.</param>
[GenerateSerializer]
[Immutable]
[Alias("cell-view")]
public sealed record CellView(string CellId, string Region, IReadOnlyList<string> Users, IReadOnlyList<string> Neighbours, CellDecision? LastDecision, long Decisions);

/// <summary>How a region's loop ended.</summary>
[GenerateSerializer]
[Alias("loop-outcome")]
public enum LoopOutcome
{
    /// <summary>Not run yet.</summary>
    None,

    /// <summary>Pulled, decided, pushed and learned.</summary>
    Completed,

    /// <summary>Telemetry rejected; the last good decision was kept.</summary>
    TelemetryRejected,

    /// <summary>The RAN could not be reached; cells hold their last decision.</summary>
    RanUnavailable,

    /// <summary>The RAN refused the decision (for example a slot that moved on); nothing was learned.</summary>
    DecisionRejected,

    /// <summary>The loop itself failed (a policy that could not be loaded or threw); the reason says why, the next tick tries again.</summary>
    Failed,
}

/// <summary>A region's status for the API and tests.</summary>
/// <param name="RegionId">The region.</param>
/// <param name="Policy">Policy in force.</param>
/// <param name="PendingPolicy">Policy that takes effect on the next loop, null when none.</param>
/// <param name="Running">True while its loop timer runs.</param>
/// <param name="PeriodMs">Loop period.</param>
/// <param name="Iterations">Loops completed (across restarts).</param>
/// <param name="LastOutcome">How the last loop ended.</param>
/// <param name="LastReason">Why the last loop did not complete (empty when it did).</param>
/// <param name="LastSlot">RAN slot of the last applied decision (-1: none).</param>
/// <param name="RejectedTelemetry">Samples rejected (across restarts).</param>
/// <param name="Unavailable">Loops that found the RAN unreachable.</param>
/// <param name="RejectedDecisions">Decisions the RAN refused.</param>
/// <param name="HeldDecisions">Loops that re-applied the last good decision instead of deciding anew.</param>
/// <param name="FailedLoops">Loops that failed (a policy that could not be built or threw); <c>LastReason</c> says why.</param>
/// <param name="Overruns">Timer ticks skipped because a loop was still running (since this activation started).</param>
/// <param name="Isac">An ISAC region's trade-off and last tracking metrics; null for other regions.</param>
[GenerateSerializer]
[Immutable]
[Alias("region-status")]
public sealed record RegionStatus(
    string RegionId,
    string Policy,
    string? PendingPolicy,
    bool Running,
    int PeriodMs,
    long Iterations,
    LoopOutcome LastOutcome,
    string LastReason,
    long LastSlot,
    long RejectedTelemetry,
    long Unavailable,
    long RejectedDecisions,
    long HeldDecisions,
    long FailedLoops,
    long Overruns,
    IsacView? Isac = null);

/// <summary>An ISAC region's trade-off and what its last applied decision measured (null fields before the first).</summary>
/// <param name="CommunicationWeight">The operator's trade-off in [0, 1] (0 = sensing only, 1 = communication only).</param>
/// <param name="Crlb">CRLB of the target positions for the last applied design, m^2 (the RAN's echo-based report); null before the first or when infinite (a design that leaves a target parameter unobservable).</param>
/// <param name="TargetCrlb">Per target, m^2 (null where infinite).</param>
/// <param name="NominalWsr">WSR of the last design at the reported channel estimates, bps/Hz.</param>
/// <param name="TrueWsr">WSR it achieved under the true channel, bps/Hz.</param>
/// <param name="Beamformed">True when the last decision carried beams (an ISAC policy), false for a power-only one.</param>
/// <param name="WarmStarts">Loops of this activation's ISAC policy that started from the previous loop's design.</param>
/// <param name="SolverIterations">BOBLRBF iterations of the last loop's subproblem.</param>
/// <param name="Targets">Where the targets were, (x, y) in m.</param>
/// <param name="IterationBudget">BOBLRBF iterations per subproblem the last loop was given (0 before the first).</param>
/// <param name="AdaptiveBudget">True when the policy adapts its iterations to the loop period (its name gave no I).</param>
/// <param name="SolveMs">Wall time of the last loop's solve, ms (what the adaptive budget reacts to); null before the first.</param>
[GenerateSerializer]
[Immutable]
[Alias("isac-view")]
public sealed record IsacView(
    double CommunicationWeight,
    double? Crlb,
    IReadOnlyList<double?> TargetCrlb,
    double? NominalWsr,
    double? TrueWsr,
    bool Beamformed,
    long WarmStarts,
    int SolverIterations,
    IReadOnlyList<double> Targets,
    int IterationBudget = 0,
    bool AdaptiveBudget = false,
    double? SolveMs = null);

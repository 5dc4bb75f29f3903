using Controller.Runtime.Grains;

namespace Controller.Grains;

/// <summary>
/// A region: a group of cells that interfere with each other, with its control loop. Key: region id ("r000").
/// The loop runs on a grain timer: pull telemetry, decide with the region's policy, push the decision, and let
/// users learn from the rates the RAN reports.
/// </summary>
[GrainType("region")]
public interface IRegionGrain : IGrain
{
    /// <summary>
    /// Starts (or re-times) the loop. <paramref name="policy"/> null keeps the stored policy (or the default);
    /// <paramref name="periodMs"/> 0 keeps the stored period (or the default).
    /// </summary>
    Task StartAsync(string? policy, int periodMs, CancellationToken cancellationToken);

    /// <summary>Stops the loop timer; state stays.</summary>
    Task StopAsync(CancellationToken cancellationToken);

    /// <summary>Runs one loop now (tests and benchmarks drive loops this way without a timer).</summary>
    Task<LoopOutcome> RunLoopAsync(CancellationToken cancellationToken);

    /// <summary>Switches the policy from the next loop on; throws <see cref="Controller.Radio.RadioInputException"/> for an unknown name.</summary>
    Task SetPolicyAsync(string policy, CancellationToken cancellationToken);

    /// <summary>Sets an operator demand for one of the region's users (NaN clears it); throws for negative or non-finite values.</summary>
    Task SetDemandAsync(int userIndex, double demand, CancellationToken cancellationToken);

    /// <summary>The region's status.</summary>
    Task<RegionStatus> GetStatusAsync(CancellationToken cancellationToken);
}

/// <summary>A cell: its users, neighbours and last decision. Key: cell id ("r000/c01").</summary>
[GrainType("cell")]
public partial interface ICellGrain : IGrain
{
    /// <summary>Records the decision the region applied for this cell.</summary>
    ValueTask RecordDecisionAsync(CellDecision decision, CancellationToken cancellationToken);

    /// <summary>The cell's view.</summary>
    Task<CellView> GetViewAsync(CancellationToken cancellationToken);
}

/// <summary>
/// A user: demand, rate average, paper 003's resilient duals and slack, paper 001's ALCOR lambda and kappa,
/// paper 000's DBiNUM alpha, x and v. Key: user id ("r000/u007").
/// </summary>
[GrainType("user")]
public partial interface IUserGrain : IGrain
{
    /// <summary>Folds one loop's outcome into the user's state and returns what the region needs.</summary>
    ValueTask<UserReport> ObserveAsync(UserObservation observation, CancellationToken cancellationToken);

    /// <summary>The user's whole state.</summary>
    Task<UserState> GetStateAsync(CancellationToken cancellationToken);
}

namespace Controller.Grains;

/// <summary>
/// A region: a group of cells that interfere with each other, with its control loop. Key: region id ("r000").
/// The loop runs on a phase-locked grain timer: pull telemetry, decide with the region's policy, push the
/// decision, and let users learn from the rates the RAN reports. A reminder brings the loop back when the
/// region's activation was lost (a silo died, or the activation was collected).
/// </summary>
[Alias("region")]
public interface IRegionGrain : IGrainWithStringKey
{
    /// <summary>
    /// Starts (or re-times) the loop. <paramref name="policy"/> null keeps the stored policy (or the default);
    /// <paramref name="periodMs"/> 0 keeps the stored period (or the default).
    /// </summary>
    [Alias("start")]
    Task StartAsync(string? policy, int periodMs, CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes sure the region is active and, unless an operator stopped it, that its loop runs: a region with no stored
    /// state (a new cluster) starts with the defaults; a stored running region resumes wherever this call activates it
    /// (after its silo died). Idempotent: every control silo of a cluster calls it for every region
    /// (<see cref="RegionSupervisor"/>).
    /// </summary>
    [Alias("ensure-running")]
    Task EnsureRunningAsync(CancellationToken cancellationToken = default);

    /// <summary>Stops the loop timer (and its reminder); state stays.</summary>
    [Alias("stop")]
    Task StopAsync(CancellationToken cancellationToken = default);

    /// <summary>Runs one loop now (tests and benchmarks drive loops this way without a timer).</summary>
    [Alias("run-loop")]
    Task<LoopOutcome> RunLoopAsync(CancellationToken cancellationToken = default);

    /// <summary>Switches the policy from the next loop on; throws <see cref="Controller.Radio.RadioInputException"/> for an unknown name.</summary>
    [Alias("set-policy")]
    Task SetPolicyAsync(string policy, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets an operator demand for one of the region's users; throws <see cref="ArgumentOutOfRangeException"/> for
    /// a value that is not finite, negative, or above <see cref="ControlPlaneOptions.MaxDemand"/>.
    /// </summary>
    [Alias("set-demand")]
    Task SetDemandAsync(int userIndex, double demand, CancellationToken cancellationToken = default);

    /// <summary>Clears the operator demand of one of the region's users (the RAN's demand applies again).</summary>
    [Alias("clear-demand")]
    Task ClearDemandAsync(int userIndex, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets an ISAC region's trade-off (communication weight in [0, 1]) from its next loop on and stores it at once.
    /// Throws <see cref="ArgumentOutOfRangeException"/> for a weight outside [0, 1] or not finite, and
    /// <see cref="InvalidOperationException"/> for a region without ISAC cells; either leaves the state as it was.
    /// </summary>
    [Alias("set-communication-weight")]
    Task SetCommunicationWeightAsync(double weight, CancellationToken cancellationToken = default);

    /// <summary>The region's status.</summary>
    [Alias("status")]
    [AlwaysInterleave]
    Task<RegionStatus> GetStatusAsync(CancellationToken cancellationToken = default);
}

/// <summary>A cell: its users, neighbours and last decision. Key: cell id ("r000/c01").</summary>
[Alias("cell")]
public partial interface ICellGrain : IGrainWithStringKey
{
    /// <summary>
    /// Records the decision the region applied for this cell. On every loop's path, so it takes no cancellation
    /// token: Orleans tracks every call that carries one, which costs more than the call itself.
    /// </summary>
    [Alias("record-decision")]
    ValueTask RecordDecisionAsync(CellDecision decision);

    /// <summary>The same without a reply (<see cref="OneWayAttribute"/>), for timed loops between reports (see <see cref="IUserGrain.ObserveQuietlyAsync"/>).</summary>
    [Alias("record-decision-quietly")]
    [OneWay]
    Task RecordDecisionQuietlyAsync(CellDecision decision);

    /// <summary>The cell's view.</summary>
    [Alias("view")]
    Task<CellView> GetViewAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// A user: demand, rate average, paper 003's resilient duals and slack, paper 001's ALCOR lambda and kappa,
/// paper 000's DBiNUM alpha, x and v. Key: user id ("r000/u007").
/// </summary>
[Alias("user")]
public partial interface IUserGrain : IGrainWithStringKey
{
    /// <summary>
    /// Folds one loop's outcome into the user's state and returns what the region needs (its view of the user's
    /// average and duals). No cancellation token, as for <see cref="ICellGrain.RecordDecisionAsync"/>.
    /// </summary>
    [Alias("observe")]
    ValueTask<UserReport> ObserveAsync(UserObservation observation);

    /// <summary>
    /// The same update without a reply (<see cref="OneWayAttribute"/>): no response message, callback or task per user
    /// per loop. Timed loops use it on all but every <see cref="ControlPlaneOptions.UserReportEvery"/>-th loop, which asks
    /// for the reports (and so also surfaces a user that fails).
    /// </summary>
    [Alias("observe-quietly")]
    [OneWay]
    Task ObserveQuietlyAsync(UserObservation observation);

    /// <summary>The user's whole state.</summary>
    [Alias("state")]
    Task<UserState> GetStateAsync(CancellationToken cancellationToken = default);
}

namespace Controller.Ran.Contract;

/// <summary>
/// What the controller needs from a RAN, simulated or real: the topology, one region's telemetry per
/// control loop, and the decisions of that loop. Implementations: the in-process simulator (embedded
/// default) and an HTTP client for a RAN in another process (<c>controller ran-sim --listen URL</c>).
/// Failures: an unreachable RAN throws <see cref="RanUnavailableException"/>; a request the RAN refuses
/// (unknown region or cell, malformed decision) throws <see cref="RanRejectedException"/> with its reason.
/// </summary>
public interface IRanAdapter
{
    /// <summary>Regions, their cells and users, and who is associated with whom.</summary>
    Task<RanTopology> GetTopologyAsync(CancellationToken cancellationToken);

    /// <summary>The latest telemetry of one region: gains of its current slot and rates achieved by the last decision.</summary>
    Task<RegionTelemetry> PullTelemetryAsync(string regionId, CancellationToken cancellationToken);

    /// <summary>Applies one loop's decisions to a region's current slot; the RAN then moves the region to its next slot.</summary>
    Task<DecisionReceipt> PushDecisionsAsync(string regionId, RegionDecision decision, CancellationToken cancellationToken);
}

using Controller.Ran.Contract;

namespace Controller.Grains;

/// <summary>
/// The RAN adapter of a control plane over a synthetic topology (<see cref="DbinumControlPlane"/>,
/// <see cref="AggregationControlPlane"/>): the grains need the topology's ids, but no RAN is behind it, so
/// every call, and with it any loop a region would start, fails with <see cref="NotSupportedException"/>.
/// </summary>
/// <param name="message">Why there is no RAN (which run the plane is for).</param>
internal sealed class NoRanAdapter(string message) : IRanAdapter
{
    public Task<RanTopology> GetTopologyAsync(CancellationToken cancellationToken) => throw new NotSupportedException(message);

    public Task<RegionTelemetry> PullTelemetryAsync(string regionId, CancellationToken cancellationToken) => throw new NotSupportedException(message);

    public Task<DecisionReceipt> PushDecisionsAsync(string regionId, RegionDecision decision, CancellationToken cancellationToken) => throw new NotSupportedException(message);
}

using Controller.Ran.Contract;
using Controller.Ran.Simulation;

namespace Controller.Grains.Tests;

/// <summary>Passes calls through to the simulator and sums the rates of every applied decision per region.</summary>
internal sealed class RecordingRan(RanSimulator inner) : IRanAdapter
{
    private readonly Dictionary<string, (double[] Sums, int Count)> _sums = [];

    public Task<RanTopology> GetTopologyAsync(CancellationToken cancellationToken) => inner.GetTopologyAsync(cancellationToken);

    public Task<RegionTelemetry> PullTelemetryAsync(string regionId, CancellationToken cancellationToken) => inner.PullTelemetryAsync(regionId, cancellationToken);

    public async Task<DecisionReceipt> PushDecisionsAsync(string regionId, RegionDecision decision, CancellationToken cancellationToken)
    {
        var receipt = await inner.PushDecisionsAsync(regionId, decision, cancellationToken);
        lock (_sums)
        {
            Decisions.Add(decision);
            var (sums, count) = _sums.TryGetValue(regionId, out var entry) ? entry : (new double[receipt.Rates.Count], 0);
            for (var u = 0; u < sums.Length; u++)
            {
                sums[u] += receipt.Rates[u];
            }

            _sums[regionId] = (sums, count + 1);
        }

        return receipt;
    }

    /// <summary>Every applied decision, in order (read after the loops).</summary>
    public List<RegionDecision> Decisions { get; } = [];

    public double[] AverageRates(string regionId)
    {
        lock (_sums)
        {
            var (sums, count) = _sums[regionId];
            return [.. sums.Select(s => s / count)];
        }
    }
}

using Controller.Ran.Contract;

namespace Controller.Ran.Tests;

/// <summary>Valid decisions for tests: each cell serves one of its active users at a given power.</summary>
internal static class Decisions
{
    /// <summary>Cell c serves its first active user (or its <paramref name="pick"/>-th, cyclically) at <paramref name="powerFraction"/> x Pmax; cells without one are off.</summary>
    public static RegionDecision Serve(RegionTopology topology, RegionTelemetry telemetry, double powerFraction = 1.0, int pick = 0)
    {
        var cells = topology.CellIds.Count;
        var power = new double[cells];
        var served = new int[cells];
        for (var c = 0; c < cells; c++)
        {
            var candidates = Enumerable.Range(0, topology.UserIds.Count).Where(u => topology.ServingCell[u] == c && telemetry.Active[u]).ToArray();
            served[c] = candidates.Length == 0 ? -1 : candidates[pick % candidates.Length];
            power[c] = served[c] < 0 ? 0 : powerFraction * topology.MaxPower;
        }

        return new RegionDecision(telemetry.Slot, power, served);
    }
}

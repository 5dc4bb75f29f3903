using System.Globalization;
using Controller.Radio.Scenarios;
using Controller.Ran.Contract;

namespace Controller.Grains;

/// <summary>
/// Control planes for paper 004's aggregation run through cell grains on a synthetic topology: the cell
/// grains need the pairs' ids, but the gains come from the caller's scenario, not from a RAN, so no RAN is
/// behind the plane and no loop may start.
/// </summary>
public static class AggregationControlPlane
{
    private const string NoRanMessage = "This control plane runs paper 004's aggregation on a synthetic topology; there is no RAN behind it.";

    /// <summary>A control plane over <paramref name="topology"/> whose RAN adapter refuses every call.</summary>
    public static Hosting.ControlPlaneSetup Create(RanTopology topology, ControlPlaneOptions? options = null)
        => new(new NoRanAdapter(NoRanMessage), topology, options ?? new ControlPlaneOptions());

    /// <summary>
    /// One region "r000" of <paramref name="pairs"/> transmitter-receiver pairs: cell "r000/c00", "r000/c01", ...
    /// (transmitter i) serves user "r000/u00", "r000/u01", ... (receiver i), ServingCell[i] = i. Noise and
    /// power are the scenario's, for the record; nothing radio is computed through the plane.
    /// </summary>
    public static RanTopology Pairs(string scenario, int pairs, RadioConstants constants)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(scenario);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pairs);
        ArgumentNullException.ThrowIfNull(constants);
        return new RanTopology(
        [
            new RegionTopology(
                "r000",
                scenario,
                [.. Enumerable.Range(0, pairs).Select(CellId)],
                [.. Enumerable.Range(0, pairs).Select(i => string.Create(CultureInfo.InvariantCulture, $"r000/u{i:00}"))],
                [.. Enumerable.Range(0, pairs)],
                constants.Noise,
                constants.MaxPower,
                constants.PowerUnit,
                constants.PowerBudget),
        ]);
    }

    /// <summary>The id of pair <paramref name="index"/>'s cell in <see cref="Pairs"/>: "r000/c00", "r000/c01", ...</summary>
    public static string CellId(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return string.Create(CultureInfo.InvariantCulture, $"r000/c{index:00}");
    }
}

using System.Globalization;
using Controller.Ran.Contract;

namespace Controller.Grains;

/// <summary>
/// Control planes for DBiNUM runs on synthetic topologies (paper 000's networks have flows and links, no
/// radio): the user and link grains need the topology's ids, but no RAN is behind it and no loop may start.
/// </summary>
public static class DbinumControlPlane
{
    private const string NoRanMessage = "This control plane runs DBiNUM on a synthetic topology; there is no RAN behind it.";

    /// <summary>A control plane over <paramref name="topology"/> whose RAN adapter refuses every call.</summary>
    public static Hosting.ControlPlaneSetup Create(RanTopology topology, ControlPlaneOptions? options = null)
        => new(new NoRanAdapter(NoRanMessage), topology, options ?? new ControlPlaneOptions());

    /// <summary>
    /// One region "r000" with one cell "r000/c00" (the link) serving users "r000/u000", "r000/u001", ...
    /// Noise and power are 1: nothing radio is computed.
    /// </summary>
    public static RanTopology SingleLink(string scenario, int users)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(scenario);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(users);
        var userIds = Enumerable.Range(0, users).Select(u => string.Create(CultureInfo.InvariantCulture, $"r000/u{u:000}")).ToArray();
        return new RanTopology([new RegionTopology("r000", scenario, ["r000/c00"], userIds, new int[users], Noise: 1, MaxPower: 1, PowerUnit: "")]);
    }
}

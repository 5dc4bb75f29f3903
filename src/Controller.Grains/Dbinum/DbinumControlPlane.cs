using System.Globalization;
using Controller.Optimization.Dbinum;
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
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(users);
        return Network(scenario, 1, new int[users]);
    }

    /// <summary>
    /// One region "r000" whose cells "r000/c00", "r000/c01", ... are the links and whose users "r000/u000", ...
    /// are the flows; a flow's serving cell is the first link of its route (the topology needs one; DBiNUM
    /// routes are given to the grains separately). Noise and power are 1: nothing radio is computed.
    /// </summary>
    public static RanTopology Network(string scenario, int links, IReadOnlyList<int> firstLinks)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(scenario);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(links);
        ArgumentNullException.ThrowIfNull(firstLinks);
        ArgumentOutOfRangeException.ThrowIfZero(firstLinks.Count);
        if (firstLinks.Any(l => l < 0 || l >= links))
        {
            throw new ArgumentOutOfRangeException(nameof(firstLinks), $"Every flow's first link must be one of the {links} links.");
        }

        return new RanTopology([new RegionTopology("r000", scenario, [.. Enumerable.Range(0, links).Select(LinkId)], [.. Enumerable.Range(0, firstLinks.Count).Select(UserId)], [.. firstLinks], Noise: 1, MaxPower: 1, PowerUnit: "")]);
    }

    /// <summary>The topology of <paramref name="network"/> (<see cref="Network(string, int, IReadOnlyList{int})"/>).</summary>
    public static RanTopology Network(DbinumNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return Network(network.Scenario, network.Links.Count, [.. network.Flows.Select(f => f.Route[0])]);
    }

    /// <summary>The grain links of <paramref name="network"/>: link l is held by the link grain of cell <see cref="LinkId"/>(l).</summary>
    public static DbinumGrainLink[] Links(DbinumNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return [.. network.Links.Select((link, l) => new DbinumGrainLink(LinkId(l), link))];
    }

    /// <summary>The grain users of a run on a network: flow r is user <see cref="UserId"/>(r).</summary>
    public static DbinumGrainUser[] Users(IReadOnlyList<DbinumUser> users)
    {
        ArgumentNullException.ThrowIfNull(users);
        return [.. users.Select((user, r) => new DbinumGrainUser(UserId(r), user))];
    }

    /// <summary>The cell id of link <paramref name="link"/>: "r000/c00", "r000/c01", ...</summary>
    public static string LinkId(int link) => string.Create(CultureInfo.InvariantCulture, $"r000/c{link:00}");

    /// <summary>The user id of flow <paramref name="user"/>: "r000/u000", "r000/u001", ...</summary>
    public static string UserId(int user) => string.Create(CultureInfo.InvariantCulture, $"r000/u{user:000}");
}

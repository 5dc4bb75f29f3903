using System.Collections.Frozen;
using Controller.Ran.Contract;

namespace Controller.Grains;

/// <summary>
/// The RAN's regions, cells and users as the control grains of one silo see them, with lookups by id. A
/// singleton service: the host fetches the topology from the RAN before the silo starts and registers it
/// (<see cref="Hosting.ControlPlaneHosting.AddControlPlane"/>); grains refuse ids it does not hold.
/// </summary>
public sealed class ControlTopology
{
    private readonly FrozenDictionary<string, (RegionTopology Region, int Index)> _regions;
    private readonly FrozenDictionary<string, (RegionTopology Region, int Index)> _users;
    private readonly FrozenDictionary<string, (RegionTopology Region, int Index)> _cells;

    /// <summary>Indexes <paramref name="topology"/>.</summary>
    public ControlTopology(RanTopology topology)
    {
        ArgumentNullException.ThrowIfNull(topology);
        Ran = topology;
        _regions = topology.Regions.Select((r, i) => KeyValuePair.Create(r.RegionId, (r, i))).ToFrozenDictionary(StringComparer.Ordinal);
        _users = topology.Regions.SelectMany(r => r.UserIds.Select((id, i) => KeyValuePair.Create(id, (r, i)))).ToFrozenDictionary(StringComparer.Ordinal);
        _cells = topology.Regions.SelectMany(r => r.CellIds.Select((id, i) => KeyValuePair.Create(id, (r, i)))).ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The topology as the RAN gave it.</summary>
    public RanTopology Ran { get; }

    /// <summary>The regions.</summary>
    public IReadOnlyList<RegionTopology> Regions => Ran.Regions;

    /// <summary>Users in all regions.</summary>
    public int UserCount => _users.Count;

    /// <summary>Cells in all regions.</summary>
    public int CellCount => _cells.Count;

    /// <summary>The region with this id and its position in the topology.</summary>
    public bool TryFindRegion(string regionId, out RegionTopology region, out int index) => Find(_regions, regionId, out region, out index);

    /// <summary>The region of a user and the user's index in it.</summary>
    public bool TryFindUser(string userId, out RegionTopology region, out int index) => Find(_users, userId, out region, out index);

    /// <summary>The region of a cell and the cell's index in it.</summary>
    public bool TryFindCell(string cellId, out RegionTopology region, out int index) => Find(_cells, cellId, out region, out index);

    private static bool Find(FrozenDictionary<string, (RegionTopology Region, int Index)> map, string id, out RegionTopology region, out int index)
    {
        if (id is not null && map.TryGetValue(id, out var found))
        {
            (region, index) = found;
            return true;
        }

        region = null!;
        index = -1;
        return false;
    }
}
